#include "train/methods/mixed_labels.h"

#include <torch/torch.h>

#include <algorithm>

#include "core/errors.h"
#include "mix/sampling.h"

namespace adx {

torch::Tensor two_label_loss(const torch::Tensor& logits, const torch::Tensor& y_a, const torch::Tensor& y_b,
                             double lambda) {
  namespace F = torch::nn::functional;
  auto z = logits.to(torch::kFloat32);
  return F::cross_entropy(z, y_a) * lambda + F::cross_entropy(z, y_b) * (1.0 - lambda);
}

torch::Tensor forced_or_random_permutation(const ForcedDraws& forced, int64_t n, at::Generator& gen) {
  if (!forced.permutation) return sample_permutation(n, gen);
  auto values = *forced.permutation;
  std::vector<int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  bool valid = static_cast<int64_t>(sorted.size()) == n;
  for (int64_t i = 0; valid && i < n; ++i) valid = sorted[i] == i;
  if (!valid) throw Error(ErrorCode::Config, "forced permutation must be a permutation of 0.." + std::to_string(n - 1));
  return torch::tensor(values, torch::kInt64);
}

}  // namespace adx
