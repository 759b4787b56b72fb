"""Where the reference runs, and in which fp32: the device of a parity check, and PyTorch's TF32
switches for a speed option's value.

On CUDA the parity checks compute in IEEE fp32: TF32 off for cuDNN and cuBLAS, as the addon's
parity tests set `speed.tf32: 'off'` on their side, so both sides round alike and the tests' fp32
tolerances hold on a GPU too.
"""

import torch

TF32_MODES = ("off", "convolutions", "all")


def set_tf32(mode):
    """The addon's speed.tf32: 'off', 'convolutions' (PyTorch's default) or 'all'."""
    torch.backends.cudnn.allow_tf32 = mode != "off"
    torch.backends.cuda.matmul.allow_tf32 = mode == "all"


def check_device(cfg):
    """The config's "device" (default the CPU); on CUDA with TF32 off."""
    device = torch.device(cfg.get("device", "cpu"))
    if device.type == "cuda":
        set_tf32("off")
    return device
