"""The device a parity check runs on (the config's "device", default the CPU).

On CUDA the checks compute in IEEE fp32: TF32 off for cuDNN and cuBLAS, as the addon's parity
tests set `speed.tf32: 'off'` on their side, so both sides round alike and the tests' fp32
tolerances hold on a GPU too.
"""

import torch


def check_device(cfg):
    device = torch.device(cfg.get("device", "cpu"))
    if device.type == "cuda":
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cuda.matmul.allow_tf32 = False
    return device
