# Everyday commands. Each is also written as plain cargo in the README.

# run the server on the embedded default (SQLite, fake billing, demo catalog)
run:
    cargo run --release

# the whole test suite (what CI runs)
test:
    cargo test --workspace --all-features

# formatting and lints, as CI checks them
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets --all-features -- -D warnings

# everything CI does, services included
ci:
    bash .ci/run
