"""PyTorch eager fp32 reference of the lab's training step: the model of src/model/llama.ts, AdamW as
src/train/adamw.ts, the batch of src/engine/bench.ts. Prints tokens/s per preset, to set beside
`npm run bench` and the Node GPU bench on the same machine.

    python3 bench/torch_ref.py [--presets toy,small,base,7b-proxy] [--batch 16] [--steps 10] [--device cuda] [--json out.json]
"""

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F

# src/spec/models.ts MODEL_PRESETS; vocabulary and tied embeddings are the spec's defaults.
PRESETS = {
    "toy": dict(n_layer=2, n_embd=64, n_head=4, block_size=128),
    "small": dict(n_layer=4, n_embd=128, n_head=4, block_size=128),
    "base": dict(n_layer=8, n_embd=256, n_head=8, block_size=256),
    "7b-proxy": dict(n_layer=6, n_embd=768, n_head=6, block_size=256),
}
VOCAB = 512
RMS_EPS = 1e-5


def ffn_hidden(c):
    """SwiGLU hidden size: 8/3·d rounded up to a multiple of 16 (src/spec/models.ts)."""
    return math.ceil(8 * c / 3 / 16) * 16


def rms_norm(x, g):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + RMS_EPS) * g


def rope_tables(t, c, n_head, device, base=10_000.0):
    """(T, C) cosines and sines, the rotate-half layout per head (makeConstants in llama.ts)."""
    hs = c // n_head
    half = hs // 2
    inv = base ** (-(2 * torch.arange(half, dtype=torch.float64)) / hs)
    ang = torch.arange(t, dtype=torch.float64)[:, None] * inv[None, :]  # (T, half)
    ang = torch.cat([ang, ang], dim=1).repeat(1, n_head)  # (T, C)
    return ang.cos().float().to(device), ang.sin().float().to(device)


def rotate_half(x, n_head):
    """[-x2, x1] within each head of x (..., C)."""
    *lead, c = x.shape
    x = x.view(*lead, n_head, c // n_head)
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1).view(*lead, c)


class Llama(torch.nn.Module):
    """Weights stored (in, out) as in llama.ts: q|k|v as one (C, 3C), gate|up as one (C, 2H)."""

    def __init__(self, n_layer, n_embd, n_head, block_size, vocab=VOCAB, seed=1):
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        c, h = n_embd, ffn_hidden(n_embd)
        self.n_head, self.block_size = n_head, block_size
        resid = 0.02 / math.sqrt(2 * n_layer)

        def w(*shape, std=0.02):
            return torch.nn.Parameter(torch.randn(*shape, generator=gen) * std)

        def gain():
            return torch.nn.Parameter(torch.ones(c))

        self.wte = w(vocab, c)
        self.layers = torch.nn.ModuleList()
        for _ in range(n_layer):
            layer = torch.nn.Module()
            layer.attn_norm = gain()
            layer.wqkv = w(c, 3 * c)
            layer.wo = w(c, c, std=resid)
            layer.mlp_norm = gain()
            layer.w13 = w(c, 2 * h)
            layer.w2 = w(h, c, std=resid)
            self.layers.append(layer)
        self.norm_f = gain()

    def forward(self, ids, targets, cos, sin):
        b, t = ids.shape
        c = self.wte.shape[1]
        hs = c // self.n_head
        x = self.wte[ids]  # (B, T, C)
        for layer in self.layers:
            q, k, v = (rms_norm(x, layer.attn_norm) @ layer.wqkv).split(c, dim=-1)
            q = q * cos + rotate_half(q, self.n_head) * sin
            k = k * cos + rotate_half(k, self.n_head) * sin
            heads = lambda z: z.view(b, t, self.n_head, hs).transpose(1, 2)  # (B, H, T, hs)
            att = (heads(q) @ heads(k).transpose(-1, -2)) / math.sqrt(hs)
            mask = torch.ones(t, t, dtype=torch.bool, device=ids.device).triu(1)
            att = att.masked_fill(mask, float("-inf")).softmax(-1)
            y = (att @ heads(v)).transpose(1, 2).reshape(b, t, c)
            x = x + y @ layer.wo
            gate, up = (rms_norm(x, layer.mlp_norm) @ layer.w13).chunk(2, dim=-1)
            x = x + (F.silu(gate) * up) @ layer.w2
        logits = rms_norm(x, self.norm_f) @ self.wte.t()  # tied embeddings
        return F.cross_entropy(logits.view(b * t, -1), targets.view(-1))


def synthetic_batch(b, t, device, seed=2):
    """Random tokens and the learnable rule target = (7·id + 3) mod V (syntheticBatch in bench.ts)."""
    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, VOCAB, (b, t), generator=gen)
    return ids.to(device), ((ids * 7 + 3) % VOCAB).to(device)


def bench(preset, batch, steps, device):
    torch.manual_seed(0)
    dims = PRESETS[preset]
    model = Llama(**dims).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    # AdamW as src/train/adamw.ts: β 0.9/0.95, eps 1e-8, decay 0.1 on matrices only, clip at norm 1.
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-3,
        betas=(0.9, 0.95),
        eps=1e-8,
        foreach=False,
    )
    t = dims["block_size"]
    cos, sin = rope_tables(t, dims["n_embd"], dims["n_head"], device)
    ids, targets = synthetic_batch(batch, t, device)

    def step():
        loss = model(ids, targets, cos, sin)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        return loss.item()  # one sync per step, as the lab reads its loss

    for _ in range(2):
        step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        loss = step()
    if device.startswith("cuda"):
        torch.cuda.synchronize()
    ms = (time.perf_counter() - t0) * 1000 / steps
    params = sum(p.numel() for p in model.parameters())
    print(
        f"torch {device:6} {preset:9} params {params:>10,} B{batch}×T{t}  {ms:9.1f} ms/step"
        f"  {batch * t * 1000 / ms:10.0f} tokens/s  loss {loss:.4f}",
        flush=True,
    )
    return dict(
        preset=preset,
        device=device,
        params=params,
        batchSize=batch,
        seqLen=t,
        msPerStep=ms,
        tokensPerSec=batch * t * 1000 / ms,
        finalLoss=loss,
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", default="toy,small,base,7b-proxy")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    ap.add_argument("--json", help="also write the rows here, for the Node GPU bench's --torch")
    a = ap.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32, as WebGPU computes
    torch.backends.cudnn.allow_tf32 = False
    if a.device.startswith("cuda"):
        print(f"device: {torch.cuda.get_device_name()} · torch {torch.__version__}")
    rows = [bench(p, a.batch, a.steps, a.device) for p in a.presets.split(",")]
    if a.json:
        with open(a.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
