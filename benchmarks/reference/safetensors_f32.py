"""Minimal safetensors reader/writer (our own), so the reference scripts need only torch.

Reads F32; writes F32, and I64 for integer tensors when asked (as torchvision state dicts hold).
"""

import json
import struct

import torch


def load(path):
    with open(path, "rb") as f:
        raw = f.read()
    (header_len,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_len].decode("utf-8"))
    data = raw[8 + header_len :]
    out = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        if entry["dtype"] != "F32":
            raise ValueError(f"{name}: only F32 is supported, got {entry['dtype']}")
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32)
        out[name] = t.reshape(entry["shape"]).clone()
    return out


def save(path, tensors, keep_int64=False):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        dtype = "I64" if keep_int64 and t.dtype == torch.int64 else "F32"
        t = t if dtype == "I64" else t.to(torch.float32)
        blob = t.numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        chunks.append(blob)
        offset += len(blob)
    text = json.dumps(header)
    text += " " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode("utf-8"))
        for blob in chunks:
            f.write(blob)
