"""Plain PyTorch version of one adautomix training step, timed; the reference for benchmarks/step.mjs.

Each timed step does what the addon's Trainer::train_step does (native/train/trainer.cc,
native/data/augment.cc, native/train/methods/{vanilla,mixup}.cc):

  uint8 NHWC batch -> per-sample random crop (reflect padding) + random horizontal flip, as one
  gather with reflected row/col indices -> float NCHW -> (x/255 - mean)/std -> zero_grad ->
  forward -> loss (CE, or mixup's two-label CE) -> loss.item() -> backward -> SGD step.

For --method automix|adautomix the loss is the literal step of learned_mix_reference.py (the EMA
backbone on the clean batch, the mixed batch and, for AdAutoMix, every cosine-term source),
with random λ and permutations as the original draws them, then the EMA update.

The batch and labels are random and generated once, outside the timed loop. On CUDA
(--device cuda) the crop runs on the CPU as in a usual DataLoader, the batch is copied to the GPU,
the timer stops after a synchronisation, and the peak is torch.cuda.max_memory_allocated() over
the whole run. --precision bf16 runs the forward passes under torch.autocast (the mask
generators' attention stays fp32, as in the original); --channels-last, --cudnn-benchmark and
--tf32 (off: cudnn.allow_tf32 off; convolutions: PyTorch's default; all: matmul.allow_tf32 on too)
are PyTorch's own switches.
Prints one JSON line on stdout.
"""

import argparse
import json
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resnet_cifar import build  # noqa: E402
import learned_mix_reference as learned  # noqa: E402
from check_device import TF32_MODES, set_tf32  # noqa: E402

CIFAR_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR_STD = (0.2023, 0.1994, 0.2010)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--method", choices=("vanilla", "mixup", "automix", "adautomix"), default="vanilla")
    p.add_argument("--sources", type=int, default=3, help="AdAutoMix N")
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--size", type=int, default=32)
    p.add_argument("--channels", type=int, default=3)
    p.add_argument("--classes", type=int, default=100)
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--arch", default="resnet18_cifar")
    p.add_argument("--torchvision", action="store_true",
                   help="time torchvision's model of --arch (zoo_reference.build) instead of our ResNet-18")
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--alpha", type=float, default=1.0)
    p.add_argument("--padding", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--device", default="cpu", help="cpu | cuda | cuda:N")
    p.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--cudnn-benchmark", action="store_true")
    p.add_argument("--tf32", choices=TF32_MODES, default="convolutions")
    args = p.parse_args(argv)
    for name in ("batch", "size", "channels", "classes", "width", "threads", "steps"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be >= 1")
    if args.warmup < 0:
        p.error("--warmup must be >= 0")
    if args.padding >= args.size:
        p.error("--padding must be smaller than --size")
    if args.method == "mixup" and not args.alpha > 0:
        p.error("--alpha must be > 0")
    return args


def norm_constants(channels):
    """CIFAR statistics for 3 channels; their averages for any other channel count."""
    if channels == 3:
        mean, std = CIFAR_MEAN, CIFAR_STD
    else:
        mean = (sum(CIFAR_MEAN) / 3,) * channels
        std = (sum(CIFAR_STD) / 3,) * channels
    return list(mean), list(std)


def reflect(pos, size):
    """Source index under reflect padding (-1 -> 1, size -> size-2), on whole index tensors."""
    r = pos.abs()
    return torch.where(r >= size, 2 * (size - 1) - r, r)


class Augment:
    """Crop with reflect padding + horizontal flip + normalisation, as one gather per batch."""

    def __init__(self, n, h, w, c, padding, mean, std):
        self.n, self.h, self.w, self.p = n, h, w, padding
        self.row_base = torch.arange(h).unsqueeze(0)  # [1,h]
        self.col_base = torch.arange(w).unsqueeze(0).expand(n, w)  # [n,w]
        self.col_flipped = (w - 1) - self.col_base
        self.batch_index = torch.arange(n).view(n, 1, 1)
        self.mean = torch.tensor(mean, dtype=torch.float32).view(1, c, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(1, c, 1, 1)

    def __call__(self, images_nhwc_u8):
        n, h, w, p = self.n, self.h, self.w, self.p
        oy = torch.randint(0, 2 * p + 1, (n,))
        ox = torch.randint(0, 2 * p + 1, (n,))
        flip = torch.rand(n) < 0.5
        rows = reflect(oy.unsqueeze(1) - p + self.row_base, h)  # [n,h]
        cols = reflect(ox.unsqueeze(1) - p + torch.where(flip.unsqueeze(1), self.col_flipped, self.col_base), w)
        crops = images_nhwc_u8[self.batch_index, rows.view(n, h, 1), cols.view(n, 1, w)]  # [n,h,w,c] uint8
        x = crops.permute(0, 3, 1, 2).to(torch.float32)
        return ((x * (1.0 / 255.0) - self.mean).div_(self.std)).contiguous()


def sample_beta(alpha):
    g = torch._standard_gamma(torch.full((2,), float(alpha), dtype=torch.float64))
    total = float(g[0] + g[1])
    return float(g[0]) / total if total > 0 else 0.5


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    n, h, w, c = args.batch, args.size, args.size, args.channels
    is_learned = args.method in ("automix", "adautomix")
    if is_learned:
        model = learned.Networks(args.method, c, args.classes, args.width, lam_concat=False, arch=args.arch)
        for q, k in model.ema_pairs():
            k.data.copy_(q.data)
        params = [dict(params=model.online()), dict(params=list(model.mix_block.parameters()))]
    elif args.torchvision:
        if c != 3:
            raise SystemExit("--torchvision models take 3 channels")
        import zoo_reference  # torchvision only when asked for  # noqa: E402

        model = zoo_reference.build(args.arch, args.classes)
        params = model.parameters()
    else:
        if args.arch != "resnet18_cifar":
            raise SystemExit("without --torchvision the reference is our ResNet-18 CIFAR; pass --torchvision")
        model = build(c, args.classes, args.width)
        params = model.parameters()
    device = torch.device(args.device)
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = args.cudnn_benchmark
        set_tf32(args.tf32)
        torch.cuda.reset_peak_memory_stats(device)
    layout = torch.channels_last if args.channels_last else torch.contiguous_format
    model.to(device=device, memory_format=layout)
    model.train()
    opt = torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=False)
    options = dict(upsample="bilinear" if args.method == "adautomix" else "nearest",
                   lamMargin=0.03 if args.method == "adautomix" else 0.08, betaRatio=0.3, mixupRatio=0.5,
                   cosineMode="official", lamMarginRule="official",
                   maskLoss=dict(weight=0.1, mode="L1", margin=0.1, schedule="constant"))
    counter = [0]

    def learned_draws():
        """λ and permutations as the original draws them (§1.4, §2.1)."""
        identity = list(range(n))
        perm = lambda: torch.randperm(n).tolist()  # noqa: E731
        if args.method == "automix" or args.sources == 2:
            u = [sample_beta(args.alpha) for _ in range(2)]
            return dict(generator=dict(lambdas=[u[0], 1 - u[0]], permutations=[identity, perm()]),
                        classifier=dict(lambdas=[u[1], 1 - u[1]], permutations=[identity, perm()]))
        u = [sample_beta(args.alpha) for _ in range(args.sources)]
        lam = [v / sum(u) for v in u]
        return dict(generator=dict(lambdas=lam, permutations=[perm() for _ in lam]),
                    classifier=dict(lambdas=lam, permutations=[perm() for _ in lam]))

    def learned_loss(x, y):
        draws = learned_draws()
        if args.method == "automix":
            loss, _ = learned.automix_loss(model, x, y, draws, options, 0, 1)
        else:
            adversarial = counter[0] % 2 == 0
            if adversarial:
                counter[0] = 0
            counter[0] += 1
            loss, _ = learned.adautomix_loss(model, x, y, draws, options, adversarial)
        return loss
    mean, std = norm_constants(c)
    augment = Augment(n, h, w, c, args.padding, mean, std)

    images = torch.randint(0, 256, (n, h, w, c), dtype=torch.uint8)
    labels = torch.randint(0, args.classes, (n,), dtype=torch.int32)

    def forward_loss(x, y):
        if is_learned:
            return learned_loss(x, y)
        if args.method == "vanilla":
            return F.cross_entropy(model(x), y)
        lam = sample_beta(args.alpha)
        perm = torch.randperm(n).to(device)
        mixed = x * lam + x.index_select(0, perm) * (1.0 - lam)
        z = model(mixed).to(torch.float32)
        return F.cross_entropy(z, y) * lam + F.cross_entropy(z, y.index_select(0, perm)) * (1.0 - lam)

    def step():
        x = augment(images).to(device).contiguous(memory_format=layout)
        y = labels.to(device=device, dtype=torch.int64)
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            loss = forward_loss(x, y)
        value = loss.item()
        if value != value or value in (float("inf"), float("-inf")):
            raise RuntimeError(f"non-finite loss {value}")
        loss.backward()
        opt.step()
        if is_learned:
            with torch.no_grad():
                for q, k in model.ema_pairs():
                    k.copy_(k * 0.999 + q * (1 - 0.999))
        return value

    for _ in range(args.warmup):
        step()
    started = time.perf_counter()
    for _ in range(args.steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elapsed = time.perf_counter() - started

    result = {
        "impl": "pytorch-reference",
        "method": args.method,
        "img_per_s": n * args.steps / elapsed,
        "sec_per_step": elapsed / args.steps,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "peak_gpu_mb": torch.cuda.max_memory_allocated(device) / 2**20 if device.type == "cuda" else None,
        "device": str(device),
        "precision": args.precision,
        "channels_last": args.channels_last,
        "tf32": args.tf32 if device.type == "cuda" else "off",
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "batch": n,
        "steps": args.steps,
    }
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
