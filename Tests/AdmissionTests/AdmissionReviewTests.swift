import Admission
import Foundation
import KubeModel
import Testing

struct AdmissionReviewTests {
    let valid = """
        {"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002",
         "kind":{"group":"apps","version":"v1","kind":"Deployment"},"resource":{"group":"apps","version":"v1","resource":"deployments"},
         "requestKind":{"group":"apps","version":"v1","kind":"Deployment"},"subResource":"","name":"web","namespace":"team",
         "operation":"UPDATE","userInfo":{"username":"admin","uid":"014fbff9a07c","groups":["system:authenticated"]},
         "object":{"apiVersion":"apps/v1","kind":"Deployment"},"oldObject":{"apiVersion":"apps/v1","kind":"Deployment"},
         "dryRun":true,"options":{"apiVersion":"meta.k8s.io/v1","kind":"UpdateOptions"}}}
        """

    @Test func decodesEveryFieldTheWebhookUses() throws {
        let review = try AdmissionReview.decode(Array(valid.utf8))
        let request = review.request
        #expect(review.apiVersion == "admission.k8s.io/v1")
        #expect(request.uid == "705ab4f5-6393-11e8-b7cc-42010a800002")
        #expect(request.kind == GroupVersionKind(group: "apps", version: "v1", kind: "Deployment"))
        #expect(request.resource.resource == "deployments")
        #expect(request.operation == .update)
        #expect(request.userInfo == UserInfo(username: "admin", uid: "014fbff9a07c", groups: ["system:authenticated"]))
        #expect(request.dryRun)
        #expect(request.object?["kind"]?.string == "Deployment")
        #expect(request.oldObject != nil)
    }

    @Test(arguments: [
        ("", "malformed JSON at line 1, column 1: empty input"),
        ("{\"apiVersion\":\"admission.k8s.io/v1\",", "malformed JSON at line 1, column 37: unexpected end of input inside an object"),
        ("[]", "the body must be a JSON object (an AdmissionReview)"),
        ("{\"kind\":\"AdmissionReview\"}", "apiVersion is missing"),
        (
            "{\"apiVersion\":\"admission.k8s.io/v2\",\"kind\":\"AdmissionReview\"}",
            "apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, got \"admission.k8s.io/v2\""
        ),
        ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}", "kind must be AdmissionReview, got \"Pod\""),
        ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}", "request is missing"),
        ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{}}", "request.uid is missing"),
        ("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":7}}", "request.uid must be a string"),
        (
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"operation\":\"PATCH\"}}",
            "request.operation must be CREATE, UPDATE, DELETE or CONNECT, got \"PATCH\""
        ),
        (
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{\"uid\":\"u\",\"operation\":\"CREATE\",\"kind\":{\"version\":\"v1\",\"kind\":\"Pod\"},\"resource\":{\"version\":\"v1\",\"resource\":\"pods\"}}}",
            "request.object is missing (a CREATE request carries the object)"
        ),
        ("{\"a\":\"\u{FFFD}\"}".replacingOccurrences(of: "\u{FFFD}", with: "\\ud800x"), "apiVersion is missing"),
    ])
    func rejectsWithAPreciseMessage(_ body: String, _ message: String) {
        #expect(throws: AdmissionDecodeError(message: message)) { try AdmissionReview.decode(Array(body.utf8)) }
    }

    @Test func invalidUTF8IsNamedWithItsPosition() {
        var body = Array("{\"apiVersion\":\"admission.k8s.io/v1\",\n \"kind\":\"".utf8)
        body += [0xC3, 0x28, 0x22, 0x7D]
        #expect(throws: AdmissionDecodeError(message: "malformed JSON at line 2, column 10: invalid UTF-8 sequence")) {
            try AdmissionReview.decode(body)
        }
    }

    @Test func answersInTheRequestsVersionWithTheStatusShapeOfTheAPIServer() throws {
        let response = AdmissionResponse(
            uid: "u-1", allowed: false,
            status: AdmissionStatus(code: 403, reason: "Forbidden", message: "pods \"a\" is forbidden: x", name: "a", kind: "pods"),
            warnings: ["w<1>"], auditAnnotations: ["b": "2", "a": "1"])
        let text = String(decoding: response.encode(apiVersion: "admission.k8s.io/v1beta1"), as: UTF8.self)
        #expect(
            text
                == #"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","response":{"uid":"u-1","allowed":false,"status":{"metadata":{},"status":"Failure","message":"pods \"a\" is forbidden: x","reason":"Forbidden","details":{"name":"a","kind":"pods"},"code":403},"auditAnnotations":{"a":"1","b":"2"},"warnings":["w<1>"]}}"#
        )
        // What we write, we can read back as JSON.
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
        #expect((parsed?["response"] as? [String: Any])?["uid"] as? String == "u-1")
    }
}
