#!/usr/bin/env bash
# generate-milvus-proto.sh: regenerates Sources/MilvusProto/*.swift from Sources/MilvusProto/proto/*.proto.
# Run by a developer after editing the .proto subset (not by CI: the generated code is committed,
# because building the two protoc plugins costs minutes). Needs Debian's protobuf-compiler.
set -euo pipefail
cd "$(dirname "$0")/../.."
tools="${LOCALRAG_PROTOC_TOOLS:-/tmp/localrag-protoc-tools}"
command -v protoc >/dev/null || $([ "$(id -u)" = 0 ] || echo sudo) apt-get install -y protobuf-compiler
build_plugin() { # repository tag product
    local dir="$tools/$(basename "$1")"
    [ -d "$dir" ] || git clone -q -b "$2" "$1" "$dir"
    (cd "$dir" && swift build -c release --product "$3" >&2)
    echo "$dir/.build/release/$3"
}
# The versions Package.swift resolves (swift-protobuf 1.39.0, grpc-swift-protobuf 2.4.1): a plugin
# must not be newer than the runtime library it generates for.
swift_plugin=$(build_plugin https://github.com/apple/swift-protobuf 1.39.0 protoc-gen-swift)
grpc_plugin=$(build_plugin https://github.com/grpc/grpc-swift-protobuf 2.4.1 protoc-gen-grpc-swift-2)
out=Sources/MilvusProto
rm -f "$out"/*.pb.swift "$out"/*.grpc.swift
protoc -I "$out/proto" --plugin=protoc-gen-swift="$swift_plugin" --swift_out="$out" --swift_opt=Visibility=Public \
    common.proto schema.proto milvus.proto
# Only milvus.proto has a service: the client stub, no server.
protoc -I "$out/proto" --plugin=protoc-gen-grpc-swift-2="$grpc_plugin" --grpc-swift-2_out="$out" \
    --grpc-swift-2_opt=Visibility=Public,Server=false milvus.proto
ls -l "$out"/*.swift
