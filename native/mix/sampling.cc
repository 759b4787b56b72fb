#include "mix/sampling.h"

#include <torch/torch.h>

namespace adx {

namespace {

std::vector<double> gammas(double alpha, int64_t n, at::Generator& gen) {
  auto g = at::_standard_gamma(torch::full({n}, alpha, torch::kFloat64), gen).contiguous();
  return std::vector<double>(g.data_ptr<double>(), g.data_ptr<double>() + n);
}

}  // namespace

double sample_beta(double alpha, at::Generator& gen) { return sample_betas(alpha, 1, gen)[0]; }

double sample_beta(double a, double b, at::Generator& gen) {
  auto g = at::_standard_gamma(torch::tensor({a, b}, torch::kFloat64), gen).contiguous();
  const double ga = g.data_ptr<double>()[0], gb = g.data_ptr<double>()[1];
  return ga + gb > 0 ? ga / (ga + gb) : 0.5;
}

std::vector<double> sample_betas(double alpha, int64_t n, at::Generator& gen) {
  const auto g = gammas(alpha, 2 * n, gen);
  std::vector<double> out(n);
  for (int64_t i = 0; i < n; ++i) {
    const double sum = g[2 * i] + g[2 * i + 1];
    out[i] = sum > 0 ? g[2 * i] / sum : 0.5;  // both underflow to 0 only for tiny α: split evenly
  }
  return out;
}

std::vector<double> sample_dirichlet(double alpha, int64_t n, at::Generator& gen) {
  auto g = gammas(alpha, n, gen);
  double sum = 0;
  for (double v : g) sum += v;
  for (double& v : g) v = sum > 0 ? v / sum : 1.0 / static_cast<double>(n);
  return g;
}

double sample_uniform(at::Generator& gen) {
  return torch::rand({1}, gen, torch::TensorOptions().dtype(torch::kFloat64)).item<double>();
}

int64_t sample_int(int64_t low, int64_t high, at::Generator& gen) {
  return torch::randint(low, high + 1, {1}, gen, torch::TensorOptions().dtype(torch::kInt64)).item<int64_t>();
}

torch::Tensor sample_permutation(int64_t n, at::Generator& gen) {
  return torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64));
}

std::vector<int64_t> sample_permutation_values(int64_t n, at::Generator& gen) {
  auto p = sample_permutation(n, gen).contiguous();
  return std::vector<int64_t>(p.data_ptr<int64_t>(), p.data_ptr<int64_t>() + n);
}

std::vector<int64_t> sample_no_repeat_permutation(int64_t n, at::Generator& gen, bool keep_last_on_failure) {
  std::vector<int64_t> p;
  for (int attempt = 0; attempt < 10; ++attempt) {
    p = sample_permutation_values(n, gen);
    bool fixed_point = false;
    for (int64_t i = 0; i < n && !fixed_point; ++i) fixed_point = p[i] == i;
    if (!fixed_point) return p;
  }
  if (keep_last_on_failure || n < 3) return p;
  const int64_t shift = sample_int(1, n - 2, gen);
  for (int64_t i = 0; i < n; ++i) p[i] = (i + shift) % n;
  return p;
}

}  // namespace adx
