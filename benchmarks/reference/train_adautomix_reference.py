"""AdAutoMix trained end to end in plain PyTorch, for the accuracy-parity part of the accuracy
benchmark (issue: accuracy benchmark): the same recipe as `adautomix train --preset fmnist-quick
--method adautomix` (ResNet-18 CIFAR stem, SGD 0.1 Nesterov, wd 5e-4, per-iteration cosine to 0,
batch 128, reflect-crop 2 + flip, EMA 0.99 → 0.9999 over [0.1, 1], N = 3, α = 1, β 0.3, ρ 0.5,
lamMargin 0.03, bilinear masks), written for this project from ALGORITHMS.md §1 and §4 with the
literal step of learned_mix_reference.py. Its own random stream: the comparison is of accuracies
across seeds, not of bitwise runs.

Usage: train_adautomix_reference.py [--data /usr/share/datasets/fashion-mnist] [--width 16]
         [--epochs 4] [--seed 0] [--threads 2] [--train-limit N] [--test-limit N]
Prints one JSON line: {"epochs": [{"epoch", "heads": {head: top1}}], "seconds", "torch"}.
"""

import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from learned_mix_reference import Networks, adautomix_loss, ema_momentum  # noqa: E402

MEAN, STD = 0.286, 0.353


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(directory, split):
    def find(base):
        for name in (base, base + ".gz"):
            if os.path.exists(os.path.join(directory, name)):
                return os.path.join(directory, name)
        raise SystemExit(f"missing {base} in {directory}")

    images = read_idx(find(f"{split}-images-idx3-ubyte"))
    labels = read_idx(find(f"{split}-labels-idx1-ubyte"))
    return torch.from_numpy(images.copy()).float().unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


def init_networks(net, gen):
    """§4: Kaiming-normal (fan_out) convs, BN 1/0, zero-init last BN of each block; heads and the
    generator N(0, 0.01²); the EMA twin starts as a copy of the online network."""
    with torch.no_grad():
        for name, m in net.backbone_q.named_modules():
            if isinstance(m, nn.Conv2d):
                fan_out = m.out_channels * m.kernel_size[0] * m.kernel_size[1]
                m.weight.normal_(0, math.sqrt(2.0 / fan_out), generator=gen)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.fill_(0.0 if name.endswith("bn2") else 1.0)
                m.bias.zero_()
        for head in (net.head_one_q, net.head_mix_q):
            for m in head.modules():
                if isinstance(m, nn.Linear):
                    m.weight.normal_(0, 0.01, generator=gen)
                    m.bias.zero_()
        for m in net.mix_block.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.normal_(0, 0.01, generator=gen)
                m.bias.zero_()
        net.backbone_k.load_state_dict(net.backbone_q.state_dict())
        net.head_one_k.load_state_dict(net.head_one_q.state_dict())
        net.head_mix_k.load_state_dict(net.head_mix_q.state_dict())


def augment(x, gen, pad=2):
    n, _, h, w = x.shape
    padded = F.pad(x, (pad, pad, pad, pad), mode="reflect")
    oy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    ox = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    flip = torch.rand(n, generator=gen) < 0.5
    out = torch.stack([padded[i, :, oy[i]:oy[i] + h, ox[i]:ox[i] + w] for i in range(n)])
    out[flip] = out[flip].flip(-1)
    return out


def draws(n, batch, gen):
    lambdas = np.random.beta(1.0, 1.0, n)  # §1.4: N Beta(α, α) draws, normalised to sum 1
    lambdas = (lambdas / lambdas.sum()).tolist()
    mb = {"lambdas": lambdas, "permutations": [torch.randperm(batch, generator=gen).tolist() for _ in range(n)]}
    bb = {"lambdas": lambdas, "permutations": [torch.randperm(batch, generator=gen).tolist() for _ in range(n)]}
    return {"generator": mb, "classifier": bb}


def evaluate(net, x, y, batch=500):
    net.eval()
    correct = {h: 0 for h in ("mix_k", "one_k", "mix_q", "one_q")}
    with torch.no_grad():
        for i in range(0, len(x), batch):
            xb, yb = (x[i:i + batch] / 255.0 - MEAN) / STD, y[i:i + batch]
            fk, fq = net.backbone_k(xb), net.backbone_q(xb)
            for name, z in (("mix_k", net.head_mix_k(fk)), ("one_k", net.head_one_k(fk)), ("mix_q", net.head_mix_q(fq)), ("one_q", net.head_one_q(fq))):
                correct[name] += (z.argmax(1) == yb).sum().item()
    net.train()
    return {h: 100.0 * c / len(x) for h, c in correct.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--train-limit", type=int)
    p.add_argument("--test-limit", type=int)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    xtr, ytr = load(a.data, "train")
    xte, yte = load(a.data, "t10k")
    xtr, ytr = xtr[: a.train_limit], ytr[: a.train_limit]
    xte, yte = xte[: a.test_limit], yte[: a.test_limit]

    net = Networks("adautomix", 1, 10, a.width, False)
    init_networks(net, gen)
    net.train()
    o = {"upsample": "bilinear", "lamMargin": 0.03, "betaRatio": 0.3, "mixupRatio": 0.5, "lamMarginRule": "official", "cosineMode": "official",
         "ema": {"start": 0.99, "end": 0.9999, "scope": [0.1, 1.0], "warmup": "constant"}}
    sgd = torch.optim.SGD([
        dict(params=net.online(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True),
        dict(params=list(net.mix_block.parameters()), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True),
    ], lr=0.1)
    steps_per_epoch = len(xtr) // a.batch
    total = steps_per_epoch * a.epochs
    counter, step, history = 0, 0, []
    started = time.time()
    for epoch in range(a.epochs):
        order = torch.randperm(len(xtr), generator=gen)
        for s in range(steps_per_epoch):
            idx = order[s * a.batch:(s + 1) * a.batch]
            x = (augment(xtr[idx], gen) / 255.0 - MEAN) / STD
            y = ytr[idx]
            lr = 0.1 * (1 + math.cos(math.pi * step / total)) / 2
            for g in sgd.param_groups:
                g["lr"] = lr
            adversarial = counter % 2 == 0
            if adversarial:
                counter = 0
            counter += 1
            sgd.zero_grad(set_to_none=True)
            loss, _ = adautomix_loss(net, x, y, draws(3, len(y), gen), o, adversarial)
            loss.backward()
            sgd.step()
            m = ema_momentum(o["ema"], step, total)
            with torch.no_grad():
                for q, k in net.ema_pairs():
                    k.copy_(k * m + q * (1 - m))
            step += 1
        history.append({"epoch": epoch + 1, "heads": evaluate(net, xte, yte)})
        print(json.dumps({"progress": history[-1]}), file=sys.stderr)
    print(json.dumps({"epochs": history, "seconds": time.time() - started, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
