#include "mix/mixing.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/errors.h"

namespace adx {

torch::Tensor mix_images(const torch::Tensor& x, const torch::Tensor& masks, const std::vector<torch::Tensor>& perms) {
  torch::Tensor out;
  for (size_t i = 0; i < perms.size(); ++i) {
    auto term = x.index_select(0, perms[i]) * masks.select(1, static_cast<int64_t>(i)).unsqueeze(1);
    out = out.defined() ? out + term : term;
  }
  return out;
}

namespace {

// Σ_i term(i) · weight(i), summed in source order as the original does.
template <class Term, class Weight>
torch::Tensor weighted_sum(size_t n, const Term& term, const Weight& weight) {
  torch::Tensor out;
  for (size_t i = 0; i < n; ++i) {
    auto t = term(i) * weight(i);
    out = out.defined() ? out + t : t;
  }
  return out;
}

}  // namespace

torch::Tensor lambda_tensor(const std::vector<double>& lambdas) {
  return torch::tensor(lambdas, torch::kFloat64).to(torch::kFloat32);
}

torch::Tensor mix_linear(const torch::Tensor& x, const torch::Tensor& lambdas, const std::vector<torch::Tensor>& perms) {
  return weighted_sum(
      perms.size(), [&](size_t i) { return x.index_select(0, perms[i]); },
      [&](size_t i) { return lambdas[static_cast<int64_t>(i)]; });
}

torch::Tensor mixed_label_loss(const torch::Tensor& logits, const torch::Tensor& y,
                               const std::vector<torch::Tensor>& perms, const torch::Tensor& lambdas) {
  const auto z = logits.to(torch::kFloat32);
  return weighted_sum(
      perms.size(), [&](size_t i) { return torch::nn::functional::cross_entropy(z, y.index_select(0, perms[i])); },
      [&](size_t i) { return lambdas[static_cast<int64_t>(i)]; });
}

torch::Tensor mixed_label_loss(const torch::Tensor& logits, const torch::Tensor& y,
                               const std::vector<torch::Tensor>& perms, const std::vector<double>& lambdas) {
  const auto z = logits.to(torch::kFloat32);
  return weighted_sum(
      perms.size(), [&](size_t i) { return torch::nn::functional::cross_entropy(z, y.index_select(0, perms[i])); },
      [&](size_t i) { return lambdas[i]; });
}

torch::Tensor constant_masks(const torch::Tensor& lambdas, const torch::Tensor& like_masks) {
  return lambdas.to(like_masks.scalar_type()).view({1, -1, 1, 1}).expand(like_masks.sizes()).contiguous();
}

bool classifier_mask_is_linear(const std::vector<double>& lambdas, double margin, bool openmixup_rule) {
  const double m = margin > 0 ? margin : 0.0;
  const double first = lambdas.at(0);
  if (lambdas.size() == 2) return m >= first || m >= 1.0 - first;
  return m >= first || (openmixup_rule ? m < 1.0 - first : m > 1.0 - first);
}

bool is_permutation(const std::vector<int64_t>& values, int64_t n) {
  std::vector<int64_t> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  bool valid = static_cast<int64_t>(sorted.size()) == n;
  for (int64_t i = 0; valid && i < n; ++i) valid = sorted[i] == i;
  return valid;
}

void check_branch_draws(const BranchDraws& d, int64_t batch, const char* branch) {
  const std::string where = std::string("forced ") + branch + " draws";
  if (d.permutations.size() < 2 || d.permutations.size() > 16) {
    throw Error(ErrorCode::Config, where + " need 2 to 16 permutations (one per source)");
  }
  if (d.lambdas.size() != d.permutations.size()) {
    throw Error(ErrorCode::Config, where + " need one λ per permutation");
  }
  for (double l : d.lambdas) {
    if (!std::isfinite(l) || l < 0 || l > 1) throw Error(ErrorCode::Config, where + ": every λ must be in [0, 1]");
  }
  for (const auto& p : d.permutations) {
    if (!is_permutation(p, batch)) throw Error(ErrorCode::Config, where + ": each permutation must be a permutation of 0.." + std::to_string(batch - 1));
  }
}

torch::Tensor permutation_matrix(const BranchDraws& draws) {
  const auto n = static_cast<int64_t>(draws.permutations.size());
  const auto batch = n > 0 ? static_cast<int64_t>(draws.permutations[0].size()) : 0;
  auto out = torch::empty({n, batch}, torch::kInt64);
  for (int64_t i = 0; i < n; ++i) {
    std::copy(draws.permutations[i].begin(), draws.permutations[i].end(), out[i].data_ptr<int64_t>());
  }
  return out;
}

std::vector<torch::Tensor> permutation_rows(const torch::Tensor& matrix) { return matrix.unbind(0); }

std::vector<int64_t> identity_permutation(int64_t n) {
  std::vector<int64_t> p(n);
  std::iota(p.begin(), p.end(), 0);
  return p;
}

}  // namespace adx
