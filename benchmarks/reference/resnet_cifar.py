"""Plain PyTorch ResNet-18, CIFAR variant, used as the reference for the step benchmark.

Written for this project to mirror the addon's model (native/models/resnet.cc, classifier.cc):
a 3x3 stride-1 stem with no max-pool, four stages of two BasicBlocks (widths w, 2w, 4w, 8w;
strides 1, 2, 2, 2), global average pooling and one linear layer. Parameter names match the
addon's: backbone.conv1, backbone.bn1, backbone.layer1..4.<i>.{conv1,bn1,conv2,bn2,downsample},
head.fc.
"""

import torch
from torch import nn
import torch.nn.functional as F


def _conv3x3(cin, cout, stride):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = _conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = _conv3x3(cout, cout, 1)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(
                nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(cout),
            )

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)), inplace=True)
        y = self.bn2(self.conv2(y))
        y += x if self.downsample is None else self.downsample(x)
        return F.relu(y, inplace=True)


def stage_outputs(x, net):
    """The outputs of net.layer1..layer4 applied in turn to the stem's output x."""
    outs = []
    for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
        x = layer(x)
        outs.append(x)
    return outs


class Backbone(nn.Module):
    def __init__(self, in_channels, base_width, blocks=(2, 2, 2, 2)):
        super().__init__()
        w = base_width
        self.conv1 = _conv3x3(in_channels, w, 1)
        self.bn1 = nn.BatchNorm2d(w)
        cin = w
        stages = []
        for i, count in enumerate(blocks):
            cout = w << i
            first_stride = 1 if i == 0 else 2
            layer = []
            for b in range(count):
                layer.append(BasicBlock(cin, cout, first_stride if b == 0 else 1))
                cin = cout
            stages.append(nn.Sequential(*layer))
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.out_channels = cin

    def stages(self, x):
        """Outputs of the four stages (the generators read index 2, the heads index 3)."""
        return stage_outputs(F.relu(self.bn1(self.conv1(x)), inplace=True), self)

    def forward(self, x):
        return self.stages(x)[-1]


class LinearHead(nn.Module):
    def __init__(self, in_features, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, features):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(features, 1), 1))


class Classifier(nn.Module):
    def __init__(self, in_channels, num_classes, base_width):
        super().__init__()
        self.backbone = Backbone(in_channels, base_width)
        self.head = LinearHead(self.backbone.out_channels, num_classes)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self):
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                if m.bias is not None:
                    m.bias.zero_()
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.fill_(1.0)
                m.bias.zero_()
        # Zero-init residual: every block starts as identity (plus shortcut).
        for m in self.backbone.modules():
            if isinstance(m, BasicBlock):
                m.bn2.weight.zero_()
        self.head.fc.weight.normal_(0.0, 0.01)
        self.head.fc.bias.zero_()

    def forward(self, x):
        return self.head(self.backbone(x))


def build(in_channels=3, num_classes=100, base_width=64):
    return Classifier(in_channels, num_classes, base_width)
