#include "mix/sampling.h"

#include <torch/torch.h>

namespace adx {

double sample_beta(double alpha, at::Generator& gen) {
  auto gammas = at::_standard_gamma(torch::full({2}, alpha, torch::kFloat64), gen);
  const double g1 = gammas[0].item<double>();
  const double g2 = gammas[1].item<double>();
  const double sum = g1 + g2;
  return sum > 0 ? g1 / sum : 0.5;  // both underflow to 0 only for tiny α: split evenly
}

torch::Tensor sample_permutation(int64_t n, at::Generator& gen) {
  return torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64));
}

}  // namespace adx
