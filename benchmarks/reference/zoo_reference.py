"""Reference forward passes for the model zoo parity tests (test/zoo-parity.test.ts).

Builds an architecture with Debian's python3-torchvision 0.14 (ImageNet variants as torchvision
ships them; CIFAR variants as torchvision's model with the CIFAR stem swapped in; WRN-28-8 from
our own plain PyTorch module below, written from ALGORITHMS.md §4; PreAct ResNets from ours too,
written from He et al. 2016 as the mixup papers' CIFAR code lays it out), draws random weights with
non-trivial BatchNorm statistics and layer scales, runs it in eval mode on a random batch, and
writes:
  <out>/weights.safetensors  the state dict under torchvision's names (integer buffers as I64)
  <out>/io.safetensors       "input" [n, 3, s, s] and "logits" [n, classes]
and prints {"parameters": N} as JSON.

With --load FILE the weights are not drawn but loaded from FILE (a state dict in torchvision's
names, e.g. what `adautomix export` writes) with load_state_dict(strict=True), and only
io.safetensors is written: test/export.test.ts checks our export that way.

Usage: python3 zoo_reference.py --arch resnet18 --out DIR [--size 224] [--batch 2] [--classes 1000] [--load FILE]
"""

import argparse
import json
import os
import sys

import torch
import torchvision
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import safetensors_f32  # noqa: E402


class WideBlock(nn.Module):
    """Pre-activation block: BN → LeakyReLU(0.1) → conv3x3, twice; 1x1 conv shortcut on a shape change."""

    def __init__(self, cin, cout, stride, activate_shortcut):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, momentum=0.001, eps=0.001)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=True)
        self.bn2 = nn.BatchNorm2d(cout, momentum=0.001, eps=0.001)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=True)
        self.convShortcut = nn.Conv2d(cin, cout, 1, stride, 0, bias=True) if (stride != 1 or cin != cout) else None
        self.activate_shortcut = activate_shortcut

    def forward(self, x):
        a = F_leaky(self.bn1(x))
        out = self.conv2(F_leaky(self.bn2(self.conv1(a))))
        if self.convShortcut is None:
            return out + x
        return out + self.convShortcut(a if self.activate_shortcut else x)


def F_leaky(x):
    return nn.functional.leaky_relu(x, 0.1)


class Stage(nn.Module):
    def __init__(self, blocks):
        super().__init__()
        self.layer = nn.Sequential(*blocks)


class WideResNet(nn.Module):
    def __init__(self, classes, depth=28, widen=8):
        super().__init__()
        n = (depth - 4) // 6
        widths = [16 * widen, 32 * widen, 64 * widen]
        self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=True)
        cin = 16
        for s, w in enumerate(widths):
            blocks = [WideBlock(cin if b == 0 else w, w, (2 if s > 0 else 1) if b == 0 else 1, s == 0 and b == 0) for b in range(n)]
            setattr(self, f"block{s + 1}", Stage(blocks))
            cin = w
        self.bn1 = nn.BatchNorm2d(cin, momentum=0.001, eps=0.001)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        h = self.conv1(x)
        for s in range(3):
            h = getattr(self, f"block{s + 1}").layer(h)
        h = F_leaky(self.bn1(h))
        return self.fc(h.mean((2, 3)))


class PreActBlock(nn.Module):
    """BN → ReLU; conv3x3 → BN → ReLU → conv3x3; plus the input, or a 1x1 conv of the activated input."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, 0, bias=False))

    def forward(self, x):
        a = torch.relu(self.bn1(x))
        skip = self.shortcut(a) if hasattr(self, "shortcut") else x
        return self.conv2(torch.relu(self.bn2(self.conv1(a)))) + skip


class PreActResNet(nn.Module):
    """3x3 stem conv (no norm), 4 stages of PreActBlocks, no norm after the last; average pool; linear."""

    def __init__(self, blocks, classes, width=64):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, 1, 1, bias=False)
        cin = width
        for s, n in enumerate(blocks):
            cout = width << s
            setattr(self, f"layer{s + 1}", nn.Sequential(*[PreActBlock(cin if b == 0 else cout, cout, 2 if (b == 0 and s > 0) else 1) for b in range(n)]))
            cin = cout
        self.linear = nn.Linear(cin, classes)

    def forward(self, x):
        h = self.conv1(x)
        for s in range(4):
            h = getattr(self, f"layer{s + 1}")(h)
        return self.linear(h.mean((2, 3)))


def build(arch, classes):
    tv = torchvision.models
    if arch == "wrn28_8":
        return WideResNet(classes)
    if arch in ("preactresnet18", "preactresnet34"):
        return PreActResNet([2, 2, 2, 2] if arch.endswith("18") else [3, 4, 6, 3], classes)
    cifar = arch.endswith("_cifar")
    base = arch[: -len("_cifar")] if cifar else arch
    model = getattr(tv, base)(weights=None, num_classes=classes)
    if cifar and base.startswith(("resnet", "resnext")):
        model.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        model.maxpool = nn.Identity()
    elif cifar and base.startswith("convnext"):
        model.features[0][0] = nn.Conv2d(3, 96, 3, 1, 1, bias=True)
    return model


def randomise(model, gen):
    """Weights away from their trivial initial values, so every part of the forward matters."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("layer_scale"):
                p.copy_(torch.empty_like(p).uniform_(0.1, 0.5, generator=gen))
            elif p.dim() == 1:  # norm affine parameters and biases
                base = 1.0 if name.endswith("weight") else 0.0
                p.copy_(base + 0.2 * torch.randn(p.shape, generator=gen))
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.copy_(0.1 * torch.randn(module.running_mean.shape, generator=gen))
                module.running_var.copy_(torch.empty_like(module.running_var).uniform_(0.5, 1.5, generator=gen))
                module.num_batches_tracked.fill_(7)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--arch", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--batch", type=int, default=2)
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--load")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed + 1)
    model = build(args.arch, args.classes)
    if args.load:
        model.load_state_dict(safetensors_f32.load(args.load), strict=True)
    else:
        randomise(model, gen)
    model.eval()
    x = torch.randn(args.batch, 3, args.size, args.size, generator=gen)
    with torch.no_grad():
        logits = model(x)
    os.makedirs(args.out, exist_ok=True)
    if not args.load:
        safetensors_f32.save(os.path.join(args.out, "weights.safetensors"), model.state_dict(), keep_int64=True)
    safetensors_f32.save(os.path.join(args.out, "io.safetensors"), {"input": x, "logits": logits})
    print(json.dumps({"parameters": sum(p.numel() for p in model.parameters())}))


if __name__ == "__main__":
    main()
