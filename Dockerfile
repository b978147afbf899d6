# brightkeys in a container: `brightkeys webhook serve` (and every other command).
# Not built on the machines brightkeys is developed on (no container engine there).
#
#   docker build -t brightkeys .
#   docker run --rm -v "$PWD:/work" brightkeys scan /work/manifests
FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# The Swift runtime is linked in, so the final image needs no Swift libraries.
RUN swift build -c release --product brightkeys --static-swift-stdlib \
    && cp "$(swift build -c release --show-bin-path)/brightkeys" /brightkeys

# glibc and CA certificates, no shell, no package manager; runs as uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /brightkeys /usr/local/bin/brightkeys
USER 65532:65532
EXPOSE 8443 8081
ENTRYPOINT ["/usr/local/bin/brightkeys"]
CMD ["webhook", "serve", "--listen=0.0.0.0:8443", "--metrics-listen=0.0.0.0:8081", "--tls-cert=/etc/brightkeys/tls/tls.crt", "--tls-key=/etc/brightkeys/tls/tls.key"]
