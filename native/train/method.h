// A training method turns a prepared batch into the loss to minimise. Each method is one small
// file; the Trainer owns the model, optimizer and schedule around it.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/classifier.h"

namespace adx {

struct MethodOptions {
  std::string name = "vanilla";  // vanilla | mixup
  double alpha = 1.0;            // Beta(α, α) for mixup-style methods
};

// Draws a test can force so that a step can be compared with another implementation.
struct ForcedDraws {
  std::optional<double> lambda;
  std::optional<std::vector<int64_t>> permutation;
};

struct MethodOutput {
  torch::Tensor loss;  // scalar, with graph
  double lambda = std::numeric_limits<double>::quiet_NaN();  // NaN when the method does not mix
};

class TrainMethod {
 public:
  virtual ~TrainMethod() = default;
  // x: normalised float NCHW on the device; y: int64 labels on the device.
  virtual MethodOutput loss(Classifier& model, const torch::Tensor& x, const torch::Tensor& y,
                            at::Generator& gen, const ForcedDraws& forced) = 0;
};

std::unique_ptr<TrainMethod> make_method(const MethodOptions& options);

}  // namespace adx
