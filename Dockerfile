# Every Mercato component's container image, from one file (Containerfile syntax; buildah,
# podman and docker build it alike). The component is a build argument:
#
#   buildah build --build-arg COMPONENT=auth --build-arg PORT=4002 -t mercato/auth .
#   buildah build --build-arg COMPONENT=gateway --build-arg PORT=4000 --target gateway \
#     --build-context web=web/dist -t mercato/gateway .
#
# `scripts/images.sh` builds all of them (names and ports in scripts/components.tsv). Stages:
#   chef     the Rust toolchain, the C toolchain for crates that build C, and cargo-chef;
#   planner  the dependency recipe of the workspace (changes only when a manifest does);
#   build    the dependencies compiled in a step of their own, then every component's binary,
#            then one root filesystem per component (scripts/image-rootfs.sh), with the target
#            folder in a cache mount the builder keeps, so rebuilds are incremental;
#   runtime  `scratch` plus that root filesystem: the binary, the libraries it loads, CA
#            certificates and the non-root user; no shell, no package manager;
#   gateway  the runtime stage plus the built web client, which the gateway serves at `/`
#            (`--target gateway`): the client comes from a build context of its own, `web`
#            (web/dist, made by `scripts/web.sh build`), so the build stage never sees it.
# The build stage does not depend on COMPONENT, so the nine images share one build.

# The official Rust image in CI; machines with no registry pass a local one built from Debian
# (scripts/images.sh makes `localhost/mercato-rust`).
ARG RUST_IMAGE=docker.io/library/rust:1.95-slim-bookworm

FROM ${RUST_IMAGE} AS chef
# A CA bundle to trust besides the image's own, for a network whose TLS goes through an
# inspecting proxy: the builder mounts it at this path in every RUN (scripts/images.sh does).
ARG EXTRA_CA_BUNDLE=
# gcc for ring, aws-lc and mimalloc; OpenSSL's headers for the gateway's Socket.IO client.
RUN if ! dpkg-query -W gcc libc6-dev pkg-config libssl-dev ca-certificates >/dev/null 2>&1; then \
      apt-get update && \
      apt-get install -y --no-install-recommends gcc libc6-dev pkg-config libssl-dev ca-certificates && \
      rm -rf /var/lib/apt/lists/*; \
    fi
RUN if [ -n "$EXTRA_CA_BUNDLE" ]; then \
      mkdir -p "$CARGO_HOME" && printf '[http]\ncainfo = "%s"\n' "$EXTRA_CA_BUNDLE" >>"$CARGO_HOME/config.toml"; \
    fi && \
    cargo install --locked cargo-chef@0.1.78 && rm -rf "$CARGO_HOME/registry"
WORKDIR /src
# Release binaries without symbols: the images stay small; panics still print their message.
ENV CARGO_TARGET_DIR=/target \
    CARGO_PROFILE_RELEASE_STRIP=symbols \
    CARGO_TERM_COLOR=never

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS build
COPY scripts/components.tsv scripts/components.tsv
COPY --from=planner /src/recipe.json recipe.json
# The compiled dependencies are the step of their own: it runs again only when the recipe (the
# manifests and Cargo.lock) changes. The target folder is a cache mount the builder keeps between
# builds, so a changed manifest or a source edit recompiles only what it touched.
RUN --mount=type=cache,id=mercato-target,target=/target,sharing=locked \
    cargo chef cook --release --locked --recipe-path recipe.json \
      $(awk '!/^#/ { printf "-p %s ", $4 }' scripts/components.tsv)
COPY . .
RUN --mount=type=cache,id=mercato-target,target=/target,sharing=locked \
    cargo build --release --locked --bins \
      $(awk '!/^#/ { printf "-p %s ", $4 }' scripts/components.tsv) && \
    awk '!/^#/ { print $1, $3 }' scripts/components.tsv | while read -r name binary; do \
      scripts/image-rootfs.sh "/target/release/$binary" "/out/$name"; \
    done

FROM scratch AS runtime
ARG COMPONENT
ARG PORT
COPY --from=build /out/${COMPONENT}/ /
# The same non-root user Kubernetes runs it as (the operator's Deployments set 10001 too).
USER 10001:10001
# Inside a container the component listens on every interface.
ENV LISTEN_ADDR=0.0.0.0:${PORT}
EXPOSE ${PORT}
# SIGTERM starts the graceful shutdown every component has: /readyz turns 503, requests in
# flight finish, consumers and relays stop, then the process exits 0.
STOPSIGNAL SIGTERM
LABEL org.opencontainers.image.title="mercato-${COMPONENT}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/usr/local/bin/component"]

# The gateway's image: the web client's files (hashed assets, index.html) under /srv/web, where
# the gateway loads them at start. A change to the client alone rebuilds only this layer.
FROM runtime AS gateway
COPY --from=web . /srv/web/
ENV WEB_ROOT=/srv/web

# The last stage, which a build without `--target` makes: a component's runtime image as above
# (the gateway's stage is skipped, and needs no `web` context then).
FROM runtime AS component
