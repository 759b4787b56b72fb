"""Times a torchvision-style training step in NCHW and in channels_last on CPU, alternating, to see
whether channels_last pays on this machine (it did not: benchmarks/results/zoo-step-*.md).

Usage: /usr/bin/python3 benchmarks/reference/channels_last_check.py [arch] [batch] [size]
       (default: resnet18_cifar 100 32; 2 threads, 1 warm-up and 2 timed steps per round)
"""

import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import zoo_reference  # noqa: E402


def main():
    arch = sys.argv[1] if len(sys.argv) > 1 else "resnet18_cifar"
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100
    s = int(sys.argv[3]) if len(sys.argv) > 3 else 32
    torch.set_num_threads(2)
    for fmt in ["nchw", "channels_last", "nchw", "channels_last"]:
        torch.manual_seed(0)
        model = zoo_reference.build(arch, 100).train()
        x = torch.randn(n, 3, s, s)
        y = torch.randint(0, 100, (n,))
        if fmt == "channels_last":
            model = model.to(memory_format=torch.channels_last)
            x = x.contiguous(memory_format=torch.channels_last)
        opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=1e-4)

        def step():
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(x), y)
            loss.item()
            loss.backward()
            opt.step()

        step()
        started = time.time()
        for _ in range(2):
            step()
        print(f"{arch} {fmt}: {(time.time() - started) / 2:.3f} s/step", flush=True)


if __name__ == "__main__":
    main()
