// A strided 1x1 convolution (the ResNet and WRN shortcuts) that steers clear of a oneDNN bug.
//
// oneDNN's x64 1x1 convolution computes a strided 1x1 backward pass by first gathering the
// strided pixels into a workspace ("reduce to unit stride"). For NHWC tensors with fewer input
// channels than its channel block (8 with AVX2, 16 with AVX-512) its weight-gradient kernel writes
// past that workspace: wrong weight gradients, a hang or a heap corruption, with LibTorch 1.13 and
// PyTorch 2.14 alike (oneDNN issue 6035; benchmarks/results/speed-options-cpu-2core-libtorch-1.13.md).
// It takes a CPU run with channelsLast and a ResNet or WRN narrower than 16 channels to reach it.
// There this helper takes the strided pixels itself and convolves them with stride 1, which is the
// same arithmetic; everywhere else it is the module's own forward.
#pragma once

#include <torch/nn/modules/conv.h>

namespace adx {

// `conv`: an unpadded 1x1 convolution.
torch::Tensor strided_pointwise_conv(torch::nn::Conv2dImpl& conv, const torch::Tensor& x);

}  // namespace adx
