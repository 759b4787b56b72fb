#include "models/drop_path.h"

#include <torch/torch.h>

#include "core/errors.h"
#include "core/host_to_device.h"

namespace adx {

torch::Tensor drop_path(const torch::Tensor& branch, double p, bool training, const RandomSource& random) {
  if (!training || p <= 0.0) return branch;
  const double survival = 1.0 - p;
  std::vector<int64_t> shape(branch.dim(), 1);
  shape[0] = branch.size(0);
  // Drawn on the CPU generator, then moved, so CPU and CUDA runs drop the same rows.
  auto keep = torch::empty(shape, torch::kFloat32).bernoulli_(survival, random.generator);
  if (survival > 0.0) keep.div_(survival);
  return branch * to_device_async(keep.to(branch.scalar_type()), branch.device());
}

std::vector<double> drop_path_rates(const std::vector<int64_t>& depths, double max_rate, const std::string& model) {
  if (max_rate < 0.0 || max_rate >= 1.0) {
    throw Error(ErrorCode::Config, model + " drop path must be in [0, 1), got " + std::to_string(max_rate));
  }
  int64_t blocks = 0;
  for (auto d : depths) blocks += d;
  std::vector<double> rates(blocks, 0.0);
  for (int64_t i = 0; i < blocks && blocks > 1; ++i) rates[i] = max_rate * i / static_cast<double>(blocks - 1);
  return rates;
}

}  // namespace adx
