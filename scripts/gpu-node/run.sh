#!/bin/sh
# On a bare GPU server (see scripts/gpu-pack.sh): PyTorch eager fp32, then the lab's bench on Dawn's WebGPU and on wasm, side by side.
# Figures go to $OUT (or results/ beside this script): torch.json, gpu-bench.json and the printed tables.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-$here/results}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The pack may be read-only: unpack Node and Dawn into a scratch folder.
gunzip -c "$here/node.gz" >"$work/node"
chmod +x "$work/node"
cp -r "$here/bench.mjs" "$here/wasm" "$here/node_modules" "$work/"
gunzip "$work/node_modules/webgpu/dist/linux-x64/dawn.node.gz"
export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# PyTorch's reference first; if it fails, the lab's rows still run, without it.
torch=""
rm -f "$out/torch.json"
if python3 -c 'import torch' 2>/dev/null; then
  python3 "$here/torch_ref.py" --json "$out/torch.json" 2>&1 | tee "$out/torch.txt"
else
  echo "no PyTorch here: the bench runs without its reference" | tee "$out/torch.txt"
fi
if [ -f "$out/torch.json" ]; then torch="--torch $out/torch.json"; fi
# The runner's status, not tee's: 2 means no GPU adapter.
# shellcheck disable=SC2086 # $torch is empty or two words
{
  "$work/node" "$work/bench.mjs" --out "$out/gpu-bench.json" $torch "$@" 2>&1 && echo 0 >"$work/rc" || echo $? >"$work/rc"
} | tee "$out/gpu-bench.txt"
exit "$(cat "$work/rc")"
