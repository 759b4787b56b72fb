"""AutoMix and AdAutoMix training steps in plain PyTorch, written for this project from
../shared/spec/ALGORITHMS.md §1 and §2 to check the addon's steps (test/reference-learned-mix.test.ts).

This is the literal ("naive") computation: the EMA backbone runs on the clean batch, on the mixed
batch and again on every cosine-term source; the two-sample and the N-sample paths are written
separately as the original code has them. No exact-math shortcut is taken here, so the addon's fast
path is checked against the plain sequence of operations.

Usage: learned_mix_reference.py --config cases.json
  cases.json: {"threads", "device" (optional, default "cpu"), "shape": [n,h,w,c], "classes", "width", "mean", "std", "cases": [
    {"name", "method": "adautomix"|"automix", "weights", "out", "options": {...}, "optimizer": {...},
     "totalSteps", "steps": [{"images", "labels", "generator": {lambdas, permutations},
                              "classifier": {lambdas, permutations}}]}]}
Prints {"cases": {name: {"terms": [{term: value}, ...]}}, "torch": version}.
"""

import argparse
import json
import math
import os
import sys

import torch
import torch.nn.functional as F
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import resnet_cifar  # noqa: E402
import safetensors_f32  # noqa: E402
from check_device import check_device  # noqa: E402


def with_lambda(f, lam):
    b, _, h, w = f.shape
    return torch.cat([f, torch.full((b, 1, h, w), float(lam), dtype=f.dtype, device=f.device)], dim=1)


def fp32_island(device):
    """Autocast off, as the original forces fp32 attention (§1.5, §2.2); nothing outside autocast."""
    return torch.autocast(device_type=device.type, enabled=False)


class AdaptiveMask(nn.Module):
    """§1.5: ReLU 1x1 query/key convs, linear 1x1 value conv, d = C // 2. With `batch_norm`
    (att_norm_cfg) the query/key convs lose their bias and BN sits between conv and ReLU."""

    def __init__(self, channels, lam_concat, batch_norm=False):
        super().__init__()
        cin = channels + (1 if lam_concat else 0)
        self.d = max(channels // 2, 1)
        self.lam_concat = lam_concat
        self.conv_q = nn.Conv2d(cin, self.d, 1, bias=not batch_norm)
        self.conv_k = nn.Conv2d(cin, self.d, 1, bias=not batch_norm)
        self.conv_v = nn.Conv2d(cin, 1, 1)
        self.bn_q = nn.BatchNorm2d(self.d) if batch_norm else nn.Identity()
        self.bn_k = nn.BatchNorm2d(self.d) if batch_norm else nn.Identity()

    def qkv(self, f):
        b = f.shape[0]
        q = F.relu(self.bn_q(self.conv_q(f))).reshape(b, self.d, -1).permute(0, 2, 1)
        k = F.relu(self.bn_k(self.conv_k(f))).reshape(b, self.d, -1)
        v = self.conv_v(f).reshape(b, 1, -1).permute(0, 2, 1)
        return q, k, v

    def forward(self, feats, lams, scale, mode):
        b, _, h, w = feats[0].shape
        if self.lam_concat:
            feats = [with_lambda(f, l) for f, l in zip(feats, lams)]
        qkv = [[t.float() for t in self.qkv(f)] for f in feats]
        with fp32_island(feats[0].device):
            return self.attention_masks(qkv, b, h, w, scale, mode)

    def attention_masks(self, qkv, b, h, w, scale, mode):
        """The masks from fp32 (query, key, value) triples, one per source."""
        masks = []
        if len(qkv) == 2:
            # two sources: query of one, key of the other
            for i, j in ((0, 1), (1, 0)):
                attn = torch.matmul(qkv[i][0], qkv[j][1]) / self.d ** 0.5
                masks.append(torch.matmul(attn.softmax(dim=-1), qkv[i][2]).view(b, 1, h, w))
        else:
            # co-attention: the query of source i against every other source's key, summed
            p = h * w
            for i in range(len(qkv)):
                co = torch.zeros(b, p, p, device=qkv[i][0].device)
                for j in range(len(qkv)):
                    if i != j:
                        co = co + torch.matmul(qkv[i][0], qkv[j][1])
                attn = (co / self.d ** 0.5).softmax(dim=-1)
                masks.append(torch.matmul(attn, qkv[i][2]).view(b, 1, h, w))
        mask = torch.cat(masks, dim=1)
        return F.interpolate(mask, scale_factor=scale, mode=mode).softmax(dim=1)


class PixelMixBlock(nn.Module):
    """§2.2: one 1x1 conv for query and key, value from the partner; returns s = sigmoid(logits)."""

    def __init__(self, channels, lam_concat):
        super().__init__()
        cin = channels + (1 if lam_concat else 0)
        self.d = max(channels // 2, 1)
        self.lam_concat = lam_concat
        self.query = nn.Conv2d(cin, self.d, 1)
        self.value = nn.Conv2d(cin, 1, 1)

    def forward(self, f, f_partner, lam, scale, mode):
        b, _, h, w = f.shape
        if self.lam_concat:
            f, f_partner = with_lambda(f, lam), with_lambda(f_partner, 1 - lam)
        q = self.query(f).reshape(b, self.d, -1).permute(0, 2, 1).float()
        k = self.query(f_partner).reshape(b, self.d, -1).float()
        v = self.value(f_partner).reshape(b, 1, -1).permute(0, 2, 1).float()
        with fp32_island(f.device):
            attn = (torch.matmul(q, k) / self.d ** 0.5).softmax(dim=-1)
            logits = torch.matmul(attn, v).view(b, 1, h, w)
            return torch.sigmoid(F.interpolate(logits, scale_factor=scale, mode=mode))


class TorchvisionStages(nn.Module):
    """A torchvision ResNet/ResNeXt (CIFAR stem for *_cifar, zoo_reference.build) as a backbone
    with the four stage outputs, for the step benchmark on other architectures."""

    def __init__(self, arch):
        super().__init__()
        import zoo_reference  # torchvision only when asked for  # noqa: E402

        model = zoo_reference.build(arch, 10)
        self.stem = nn.Sequential(model.conv1, model.bn1, model.relu, model.maxpool)
        self.layer1, self.layer2, self.layer3, self.layer4 = model.layer1, model.layer2, model.layer3, model.layer4
        self.out_channels = model.fc.in_features
        self.mix_channels = self.out_channels // 2

    def stages(self, x):
        return resnet_cifar.stage_outputs(self.stem(x), self)

    def forward(self, x):
        return self.stages(x)[-1]


class Networks(nn.Module):
    def __init__(self, method, in_channels, classes, width, lam_concat, attention_norm="none", arch="resnet18_cifar"):
        super().__init__()
        if arch == "resnet18_cifar":
            self.backbone_q = resnet_cifar.Backbone(in_channels, width)
            self.backbone_k = resnet_cifar.Backbone(in_channels, width)
            mix_channels = 4 * width
        else:
            self.backbone_q, self.backbone_k = TorchvisionStages(arch), TorchvisionStages(arch)
            mix_channels = self.backbone_q.mix_channels
        feats = self.backbone_q.out_channels
        for name in ("head_one_q", "head_mix_q", "head_one_k", "head_mix_k"):
            setattr(self, name, resnet_cifar.LinearHead(feats, classes))
        if method == "adautomix":
            self.mix_block = AdaptiveMask(mix_channels, lam_concat, attention_norm == "batchnorm")
        else:
            self.mix_block = PixelMixBlock(mix_channels, lam_concat)
        for m in (self.backbone_k, self.head_one_k, self.head_mix_k):
            for p in m.parameters():
                p.requires_grad = False

    def online(self):
        return [*self.backbone_q.parameters(), *self.head_one_q.parameters(), *self.head_mix_q.parameters()]

    def ema_pairs(self):
        for q, k in ((self.backbone_q, self.backbone_k), (self.head_one_q, self.head_one_k), (self.head_mix_q, self.head_mix_k)):
            yield from zip(q.parameters(), k.parameters())


def ce(z, y):
    return F.cross_entropy(z.float(), y)


def ema_momentum(ema, i, total):
    """§1.10, closed form."""
    a, b = ema["scope"]
    i_min = int(a * total) if a > 0 else 0
    i_max = int(b * total) if b < 1 else total
    m0, m1 = ema["start"], ema["end"]
    if i < i_min:
        return m0 if ema["warmup"] == "constant" else m1 - (m1 - m0) * (i_min - i) / i_min
    return m1 - (m1 - m0) * (math.cos(math.pi * i / i_max) + 1) / 2


def adautomix_loss(net, x, y, step, o, adversarial):
    mb, bb = step["generator"], step["classifier"]
    feature = net.backbone_k.stages(x)[2]
    scale = x.shape[2] // feature.shape[2]
    mode, margin, beta = o["upsample"], max(o["lamMargin"], 0), o["betaRatio"]
    terms = {}
    if len(mb["lambdas"]) == 2:
        lam_mb, lam_bb = mb["lambdas"][0], bb["lambdas"][0]
        idx_mb = torch.tensor(mb["permutations"][1], device=x.device)
        idx_bb = torch.tensor(bb["permutations"][1], device=x.device)
        mask_mb = net.mix_block([feature, feature[idx_mb]], [lam_mb, 1 - lam_mb], scale, mode)
        mask_bb = net.mix_block([feature, feature[idx_bb]], [lam_bb, 1 - lam_bb], scale, mode).clone().detach()
        if margin >= lam_bb or margin >= 1 - lam_bb:
            mask_bb[:, 0] = lam_bb
            mask_bb[:, 1] = 1 - lam_bb
        x_mb = x * mask_mb[:, 0:1] + x[idx_mb] * mask_mb[:, 1:2]
        x_bb = x * mask_bb[:, 0:1] + x[idx_bb] * mask_bb[:, 1:2]
        z_mb = net.head_mix_k(net.backbone_k(x_mb))
        loss_k = ce(z_mb, y) * lam_mb + ce(z_mb, y[idx_mb]) * (1 - lam_mb)
        p_x = net.head_mix_k(net.backbone_k(x))
        p_x_ = net.head_mix_k(net.backbone_k(x[idx_mb]))
        cosine = torch.mean(F.cosine_similarity(z_mb, p_x, dim=-1) * lam_mb + F.cosine_similarity(z_mb, p_x_, dim=-1) * (1 - lam_mb))
        one = ce(net.head_one_q(net.backbone_q(x)), y)
        z_q = net.head_mix_q(net.backbone_q(x_bb))
        mix_q = ce(z_q, y) * lam_bb + ce(z_q, y[idx_bb]) * (1 - lam_bb)
    else:
        lam = mb["lambdas"]
        idx_mb = [torch.tensor(p, device=x.device) for p in mb["permutations"]]
        idx_bb = [torch.tensor(p, device=x.device) for p in bb["permutations"]]
        mask_mb = net.mix_block([feature[i] for i in idx_mb], lam, scale, mode)
        mask_bb = net.mix_block([feature[i] for i in idx_bb], lam, scale, mode).clone().detach()
        second = margin < 1 - lam[0] if o["lamMarginRule"] == "openmixup" else margin > 1 - lam[0]
        if margin >= lam[0] or second:
            for i in range(len(lam)):
                mask_bb[:, i] = lam[i]
        x_mb = torch.zeros_like(x)
        x_bb = torch.zeros_like(x)
        for i in range(len(lam)):
            x_mb = x_mb + x[idx_mb[i]] * mask_mb[:, i:i + 1]
            x_bb = x_bb + x[idx_bb[i]] * mask_bb[:, i:i + 1]
        z_mb = net.head_mix_k(net.backbone_k(x_mb))
        loss_k = sum(ce(z_mb, y[i]) * l for i, l in zip(idx_mb, lam))
        preds = [net.head_mix_k(net.backbone_k(x[i])) for i in idx_mb]
        cosine = torch.mean(sum(F.cosine_similarity(z_mb, p, dim=-1) * l for p, l in zip(preds, lam)))
        one_clean = ce(net.head_one_q(net.backbone_q(x)), y)
        x_lin = sum(x[i] * l for i, l in zip(idx_bb, lam))
        z_lin = net.head_mix_q(net.backbone_q(x_lin))
        linear = sum(ce(z_lin, y[i]) * l for i, l in zip(idx_bb, lam))
        terms["linear_q"] = linear.item()
        one = one_clean * (1 - o["mixupRatio"]) + linear * o["mixupRatio"]
        z_q = net.head_mix_q(net.backbone_q(x_bb))
        mix_q = sum(ce(z_q, y[i]) * l for i, l in zip(idx_bb, lam))
        terms["one_q"] = one_clean.item()
    if "one_q" not in terms:
        terms["one_q"] = one.item()
    if adversarial:
        similarity = (1 - cosine) * (1 - beta) if o["cosineMode"] == "similarity" else cosine * (1 - beta)
        generator = -beta * loss_k + similarity
    else:
        generator = loss_k
    terms.update(mix_k=loss_k.item(), cosine=cosine.item(), mix_q=mix_q.item(), generator=generator.item())
    return mix_q + one + generator, terms


def automix_loss(net, x, y, step, o, iteration, total):
    mb, bb = step["generator"], step["classifier"]
    lam_mb, lam_bb = mb["lambdas"][0], bb["lambdas"][0]
    idx_mb = torch.tensor(mb["permutations"][1], device=x.device)
    idx_bb = torch.tensor(bb["permutations"][1], device=x.device)
    mode, margin = o["upsample"], max(o["lamMargin"], 0)
    feature = net.backbone_k.stages(x)[2]
    scale = x.shape[2] // feature.shape[2]
    s_mb = net.mix_block(feature, feature[idx_mb], lam_mb, scale, mode)
    mask_mb = torch.cat([1 - s_mb, s_mb], dim=1)
    s_bb = net.mix_block(feature, feature[idx_bb], lam_bb, scale, mode).detach()
    mask_bb = torch.cat([1 - s_bb, s_bb], dim=1)
    if margin >= lam_bb or margin >= 1 - lam_bb:
        mask_bb = torch.cat([torch.full_like(s_bb, lam_bb), torch.full_like(s_bb, 1 - lam_bb)], dim=1)
    m = o["maskLoss"]
    mean = s_mb.mean()
    assert m["mode"] == "L1"
    mask = torch.clamp(torch.abs(1 - mean - lam_mb) - m["margin"], min=0)
    weight = m["weight"] if m["schedule"] == "constant" else m["weight"] * (1 + math.cos(math.pi * iteration / total)) / 2
    x_mb = x * mask_mb[:, 0:1] + x[idx_mb] * mask_mb[:, 1:2]
    x_bb = x * mask_bb[:, 0:1] + x[idx_bb] * mask_bb[:, 1:2]
    z_mb = net.head_mix_k(net.backbone_k(x_mb))
    loss_k = ce(z_mb, y) * lam_mb + ce(z_mb, y[idx_mb]) * (1 - lam_mb)
    one = ce(net.head_one_q(net.backbone_q(x)), y)
    z_q = net.head_mix_q(net.backbone_q(x_bb))
    mix_q = ce(z_q, y) * lam_bb + ce(z_q, y[idx_bb]) * (1 - lam_bb)
    terms = dict(mask=mask.item(), mix_k=loss_k.item(), one_q=one.item(), mix_q=mix_q.item())
    return mix_q + one + loss_k + weight * mask, terms


def run_case(cfg, case, device):
    n, h, w, c = cfg["shape"]
    o = case["options"]
    net = Networks(case["method"], c, cfg["classes"], cfg["width"], o["lamConcat"], o.get("attentionNorm", "none"))
    state = safetensors_f32.load(case["weights"])
    own = net.state_dict()
    net.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()}, strict=True)
    net.to(device).train()
    opt, g = case["optimizer"], o["generator"]
    sgd = torch.optim.SGD(
        [
            dict(params=net.online(), lr=opt["lr"], momentum=opt["momentum"], weight_decay=opt["weightDecay"], nesterov=opt["nesterov"]),
            dict(params=list(net.mix_block.parameters()), lr=g["lr"], momentum=g["momentum"], weight_decay=g["weightDecay"], nesterov=g["nesterov"]),
        ],
        lr=opt["lr"],
    )
    mean = torch.tensor(cfg["mean"], device=device).view(1, c, 1, 1)
    std = torch.tensor(cfg["std"], device=device).view(1, c, 1, 1)
    counter = 0
    out_terms = []
    for i, step in enumerate(case["steps"]):
        images = torch.frombuffer(bytearray(open(step["images"], "rb").read()), dtype=torch.uint8)
        y = torch.frombuffer(bytearray(open(step["labels"], "rb").read()), dtype=torch.int32).long().to(device)
        x = (images.reshape(n, h, w, c).permute(0, 3, 1, 2).float().contiguous().to(device) * (1.0 / 255.0) - mean) / std
        sgd.zero_grad(set_to_none=True)
        if case["method"] == "adautomix":
            adversarial = counter % o["advInterval"] == 0
            if adversarial:
                counter = 0
            counter += 1
            loss, terms = adautomix_loss(net, x, y, step, o, adversarial)
        else:
            loss, terms = automix_loss(net, x, y, step, o, i, case["totalSteps"])
        terms["loss"] = loss.item()
        out_terms.append(terms)
        loss.backward()
        sgd.step()
        m = ema_momentum(o["ema"], i, case["totalSteps"])
        due = (i + 1) % o["ema"].get("updateInterval", 1) == 0  # mmcv's every_n_iters
        with torch.no_grad():
            if m < 1 and due:
                for q, k in net.ema_pairs():
                    k.copy_(k * m + q * (1 - m))
    safetensors_f32.save(case["out"], net.state_dict())
    return {"terms": out_terms}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    cfg = json.load(open(parser.parse_args().config))
    torch.set_num_threads(cfg["threads"])
    device = check_device(cfg)
    results = {case["name"]: run_case(cfg, case, device) for case in cfg["cases"]}
    print(json.dumps({"cases": results, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
