#include "train/methods/mixed_labels.h"

#include <torch/torch.h>

#include "core/errors.h"
#include "mix/mixing.h"
#include "mix/sampling.h"

namespace adx {

torch::Tensor forced_or_random_permutation(const ForcedDraws& forced, int64_t n, at::Generator& gen) {
  if (!forced.permutation) return sample_permutation(n, gen);
  const auto& values = *forced.permutation;
  if (!is_permutation(values, n)) throw Error(ErrorCode::Config, "forced permutation must be a permutation of 0.." + std::to_string(n - 1));
  return torch::tensor(values, torch::kInt64);
}

}  // namespace adx
