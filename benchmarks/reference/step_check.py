"""Training steps in plain PyTorch from given weights and forced draws, to check the addon's.

Reads the addon's initial state (safetensors), then for each step a uint8 NHWC batch, its labels,
λ and permutation; runs those steps of the named method (augmentation off: normalisation only) and
writes the final state. Prints one JSON line with the losses.

The optimizer is SGD, or with "optimizer": {...} AdamW with OpenMixup's no-decay groups (1-D
parameters), mmcv's linear warm-up (closed form, on a constant base lr), global-norm gradient
clipping and gradient accumulation (loss / k, one step every k iterations).

With "device": "cuda" the steps run on the GPU in IEEE fp32 (check_device.py).

Usage: step_check.py --config step.json   (see test/reference-step.test.ts for the fields)
"""

import argparse
import json
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resnet_cifar  # noqa: E402
from check_device import check_device  # noqa: E402
import safetensors_f32  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    cfg = json.load(open(parser.parse_args().config))
    torch.set_num_threads(cfg["threads"])
    device = check_device(cfg)

    n, h, w, c = cfg["shape"]
    model = resnet_cifar.build(c, cfg["classes"], cfg["width"])
    state = safetensors_f32.load(cfg["weights"])
    # num_batches_tracked is int64 in PyTorch; the file stores every tensor as float32.
    own = model.state_dict()
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=True)
    model.to(device).train()

    mean = torch.tensor(cfg["mean"], dtype=torch.float32, device=device).view(1, c, 1, 1)
    std = torch.tensor(cfg["std"], dtype=torch.float32, device=device).view(1, c, 1, 1)
    o = cfg.get("optimizer")
    if o is None:
        opt = torch.optim.SGD(
            model.parameters(), lr=cfg["lr"], momentum=cfg["momentum"], weight_decay=cfg["weightDecay"], nesterov=cfg["nesterov"]
        )
        o = {"warmupSteps": 0, "warmupRatio": 1.0, "gradClip": 0, "accumulate": 1}
    else:
        decay = [p for p in model.parameters() if p.dim() > 1]
        exempt = [p for p in model.parameters() if p.dim() <= 1]
        opt = torch.optim.AdamW(
            [dict(params=decay, weight_decay=o["weightDecay"]), dict(params=exempt, weight_decay=0.0)],
            lr=o["lr"], betas=tuple(o["betas"]), eps=o["eps"],
        )
    k = o["accumulate"]
    losses = []
    opt.zero_grad(set_to_none=True)
    for i, step in enumerate(cfg["steps"]):
        if i < o["warmupSteps"]:
            share = 1 - (1 - i / o["warmupSteps"]) * (1 - o["warmupRatio"])
            for group in opt.param_groups:
                group["lr"] = cfg["lr"] * share
        else:
            for group in opt.param_groups:
                group["lr"] = cfg["lr"]
        images = torch.frombuffer(bytearray(open(step["images"], "rb").read()), dtype=torch.uint8)
        labels = torch.frombuffer(bytearray(open(step["labels"], "rb").read()), dtype=torch.int32).long().to(device)
        x = images.reshape(n, h, w, c).permute(0, 3, 1, 2).float().contiguous().to(device)
        x = (x * (1.0 / 255.0) - mean) / std
        if cfg["method"] == "vanilla":
            loss = F.cross_entropy(model(x), labels)
        elif cfg["method"] == "mixup":
            lam = step["lambda"]
            perm = torch.tensor(step["permutation"], dtype=torch.long, device=device)
            mixed = x * lam + x.index_select(0, perm) * (1.0 - lam)
            z = model(mixed).float()
            loss = F.cross_entropy(z, labels) * lam + F.cross_entropy(z, labels.index_select(0, perm)) * (1.0 - lam)
        else:
            raise SystemExit(f"unknown method {cfg['method']}")
        losses.append(loss.item())
        (loss / k).backward()
        if (i + 1) % k == 0:
            if o["gradClip"] > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), o["gradClip"])
            opt.step()
            opt.zero_grad(set_to_none=True)
    safetensors_f32.save(cfg["out"], model.state_dict())
    print(json.dumps({"losses": losses, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
