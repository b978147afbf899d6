import BrightKeysCore
import PodSecurity

/// Every check brightkeys ships.
public enum BuiltinChecks {
    /// The checks outside the Pod Security Standards, one file each under this module.
    static let general: [any Check] = [
        ImageLatestTagCheck(),
        ImageNotPinnedCheck(),
        ResourceLimitsCheck(),
        ResourceRequestsCheck(),
        DefaultServiceAccountCheck(),
        AutomountTokenCheck(),
        HostPathVolumeCheck(),
        EnvPlaintextSecretCheck(),
        ConfigMapSecretCheck(),
        SecretManifestCheck(),
        ExposedDashboardCheck(),
        ClusterAdminGrantCheck(),
        WildcardRuleCheck(),
        DangerousPermissionCheck(),
        DefaultServiceAccountBindingCheck(),
        UnboundRoleCheck(),
        MissingRoleRefCheck(),
        IndirectClusterAdminCheck(),
        MissingDefaultDenyCheck(),
        UnselectedWorkloadCheck(),
        PolicySelectsNothingCheck(),
        UnresolvedNamedPortCheck(),
        RedundantRuleCheck(),
        InvalidPolicyCheck(),
    ]

    public static var all: [any Check] { general + PodSecurityEvaluator.checks() }

    /// The validated registry of every check. Building it cannot fail for the shipped checks; a
    /// test asserts that, so a broken descriptor is caught before release.
    public static func registry() throws -> CheckRegistry {
        try CheckRegistry(all)
    }
}
