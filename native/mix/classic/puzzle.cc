#include "mix/classic/puzzle.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/errors.h"
#include "mix/classic/grid_labelling.h"
#include "core/host_to_device.h"

namespace adx {

namespace F = torch::nn::functional;

namespace {

// Block means of the saliency, normalised to sum 1 per image: [B, rows, cols].
torch::Tensor block_saliency(const torch::Tensor& saliency, int64_t bh, int64_t bw) {
  auto pooled = F::avg_pool2d(saliency.unsqueeze(1), F::AvgPool2dFuncOptions({bh, bw})).squeeze(1);
  return pooled / pooled.flatten(1).sum(1).clamp_min(1e-12).view({-1, 1, 1});
}

// Mean |a − b| across the borders between block rows (a above, b below): [B, n−1, n]. a, b are
// the pooled images [B,C,R,Q] with kr pooled rows and kc pooled columns per block.
torch::Tensor border_down(const torch::Tensor& a, const torch::Tensor& b, int64_t kr, int64_t kc) {
  const int64_t rows = a.size(2);
  auto d = (a.narrow(2, 0, rows - 1) - b.narrow(2, 1, rows - 1)).slice(2, kr - 1, rows - 1, kr).abs().mean(1);
  return F::avg_pool2d(d.unsqueeze(1), F::AvgPool2dFuncOptions({1, kc})).squeeze(1);
}

torch::Tensor border_right(const torch::Tensor& a, const torch::Tensor& b, int64_t kr, int64_t kc) {
  return border_down(a.transpose(2, 3), b.transpose(2, 3), kc, kr).transpose(1, 2);
}

// The largest neighbourhood ≤ wanted that tiles both block sides.
int64_t neighbourhood(int64_t wanted, int64_t bh, int64_t bw) {
  int64_t s = std::max<int64_t>(1, std::min({wanted, bh, bw}));
  while (bh % s != 0 || bw % s != 0) --s;
  return s;
}

// Pairwise tables P[a][b] of one border direction (a, b: 1 = original, 0 = partner), [B, ...].
struct BorderTables {
  torch::Tensor p00, p01, p10, p11;
};

BorderTables border_tables(const torch::Tensor& own, const torch::Tensor& partner, bool down, int64_t kr, int64_t kc,
                           double scale) {
  const auto border = [&](const torch::Tensor& a, const torch::Tensor& b) {
    return (down ? border_down(a, b, kr, kc) : border_right(a, b, kr, kc)) * scale;
  };
  return {border(partner, partner), border(partner, own), border(own, partner), border(own, own)};
}

// Greedy transport of blocks (the original's iterative assignment): moving block i to position j
// costs eps·distance² − saliency_i·shown_j. Each round every block picks its cheapest position,
// each contested position goes to its cheapest contender, and the losers pay 1 more there.
// Positions nobody wins keep their own block. Returns plan [B,T,T] (plan[i][j] = 1: i goes to j).
torch::Tensor transport_plan(const torch::Tensor& shown, const torch::Tensor& saliency, int64_t rows, int64_t cols, double eps) {
  const int64_t n = shown.size(0), t = rows * cols;
  const auto opts = saliency.options();
  const auto r = torch::arange(t, opts).div(static_cast<double>(cols), "floor");
  const auto c = torch::arange(t, opts) - r * static_cast<double>(cols);
  const double norm = std::pow(static_cast<double>(std::max<int64_t>(1, std::max(rows, cols) - 1)), 2);
  const auto distance = ((r.unsqueeze(1) - r.unsqueeze(0)).square() + (c.unsqueeze(1) - c.unsqueeze(0)).square()) / norm;
  auto cost = eps * distance.unsqueeze(0) - saliency.reshape({n, t, 1}) * shown.reshape({n, 1, t});
  const auto inf = torch::full_like(cost, std::numeric_limits<double>::infinity());
  torch::Tensor win;
  for (int64_t round = 0; round < std::max(rows, cols); ++round) {
    const auto plan = torch::zeros_like(cost).scatter_(2, cost.argmin(2, true), 1.0);
    const auto contest = torch::where(plan > 0, cost, inf);
    win = torch::zeros_like(cost).scatter_(1, contest.argmin(1, true), 1.0) * plan;
    cost = cost + (plan - win);
  }
  const auto unclaimed = win.sum(1).eq(0);  // [n, t] positions without a block
  return win + torch::diag_embed(unclaimed.to(win.scalar_type()));
}

// out block j = Σ_i plan[i][j] · block i, for blocks of bh×bw on a rows×cols grid.
torch::Tensor move_blocks(const torch::Tensor& image, const torch::Tensor& plan, int64_t rows, int64_t cols) {
  const int64_t n = image.size(0), ch = image.size(1), bh = image.size(2) / rows, bw = image.size(3) / cols;
  const auto blocks = image.reshape({n, ch, rows, bh, cols, bw}).permute({0, 2, 4, 1, 3, 5}).reshape({n, rows * cols, -1});
  const auto moved = torch::bmm(plan.transpose(1, 2).to(image.scalar_type()), blocks);
  return moved.reshape({n, rows, cols, ch, bh, bw}).permute({0, 3, 1, 4, 2, 5}).reshape(image.sizes());
}

torch::Tensor upsample_grid(const torch::Tensor& grid, int64_t fy, int64_t fx) {
  return grid.repeat_interleave(fy, 2).repeat_interleave(fx, 3);
}

}  // namespace

std::vector<int64_t> puzzle_grid_sizes(int64_t h, int64_t w, int64_t max_power) {
  std::vector<int64_t> sizes;
  for (int64_t k = 1; k <= max_power; ++k) {
    const int64_t n = int64_t{1} << k;
    if (h % n == 0 && w % n == 0) sizes.push_back(n);
  }
  return sizes;
}

PuzzleResult puzzle_mix(const torch::Tensor& x, const torch::Tensor& pixels, const torch::Tensor& saliency,
                        const torch::Tensor& perm, int64_t grid, double prior, const PuzzleOptions& o) {
  const int64_t batch = x.size(0), h = x.size(2), w = x.size(3);
  if (grid < 1 || h % grid != 0 || w % grid != 0) {
    throw Error(ErrorCode::Shape, "puzzlemix: a " + std::to_string(grid) + "x" + std::to_string(grid) +
                                      " grid does not tile " + std::to_string(h) + "x" + std::to_string(w) + " images");
  }
  const auto f64 = torch::TensorOptions().dtype(torch::kFloat64);
  const auto sal = saliency.detach().to(torch::kCPU, torch::kFloat64);
  const auto cpu_perm = perm.to(torch::kCPU);
  const int64_t bh = h / grid, bw = w / grid;

  // Unary: the saliency each image loses where the other one is shown.
  const auto own_unary = block_saliency(sal, bh, bw);
  const auto partner_unary = own_unary.index_select(0, cpu_perm);

  // Borders: local differences of the pixel images, scaled by β/n/16 · γ as the original.
  const double beta = o.beta / static_cast<double>(grid) / 16.0;
  const int64_t ns = neighbourhood(o.neighbour_size, bh, bw);
  const auto pooled = F::avg_pool2d(pixels.detach().to(torch::kCPU, torch::kFloat64), F::AvgPool2dFuncOptions(ns));
  const auto pooled_partner = pooled.index_select(0, cpu_perm);
  const auto down = border_tables(pooled, pooled_partner, true, bh / ns, bw / ns, beta * o.gamma);
  const auto right = border_tables(pooled, pooled_partner, false, bh / ns, bw / ns, beta * o.gamma);

  // Cost of showing the original (label 0) or the partner (label 2) per cell, with the row and
  // column means of each border table moved into the cells it touches.
  auto show_own = partner_unary.clone();
  auto show_partner = own_unary.clone();
  const auto spread = [](torch::Tensor& first_own, torch::Tensor& first_partner, torch::Tensor& second_own,
                         torch::Tensor& second_partner, const BorderTables& t) {
    first_own.add_((t.p10 + t.p11) / 2);
    first_partner.add_((t.p01 + t.p00) / 2);
    second_own.add_((t.p01 + t.p11) / 2);
    second_partner.add_((t.p10 + t.p00) / 2);
  };
  {
    auto top_own = show_own.narrow(1, 0, grid - 1), top_partner = show_partner.narrow(1, 0, grid - 1);
    auto bottom_own = show_own.narrow(1, 1, grid - 1), bottom_partner = show_partner.narrow(1, 1, grid - 1);
    spread(top_own, top_partner, bottom_own, bottom_partner, down);
    auto left_own = show_own.narrow(2, 0, grid - 1), left_partner = show_partner.narrow(2, 0, grid - 1);
    auto right_own = show_own.narrow(2, 1, grid - 1), right_partner = show_partner.narrow(2, 1, grid - 1);
    spread(left_own, left_partner, right_own, right_partner, right);
  }
  const auto edge = [beta](const BorderTables& t) { return ((t.p10 + t.p01 - t.p11 - t.p00) / 2 + beta).contiguous(); };
  const auto weight_down = edge(down), weight_right = edge(right);

  const double eps = 1e-8, cells = static_cast<double>(grid * grid);
  const double priors[3] = {-std::log(prior * prior + eps), -std::log(2 * prior * (1 - prior) + eps),
                            -std::log((1 - prior) * (1 - prior) + eps)};
  auto mask_grid = torch::empty({batch, 1, grid, grid}, f64);
  auto mask_values = mask_grid.accessor<double, 4>();
  const auto own_c = show_own.contiguous(), partner_c = show_partner.contiguous();
  for (int64_t b = 0; b < batch; ++b) {
    GridLabelProblem p;
    p.rows = p.cols = grid;
    const double* co = own_c[b].data_ptr<double>();
    const double* cp = partner_c[b].data_ptr<double>();
    for (int64_t cell = 0; cell < grid * grid; ++cell) {
      for (int label = 0; label < 3; ++label) {
        const double share = label / 2.0;  // the partner's share
        p.unary.push_back((1 - share) * co[cell] + share * cp[cell] + o.eta * priors[label] / cells);
      }
    }
    const double* wd = weight_down[b].data_ptr<double>();
    const double* wr = weight_right[b].data_ptr<double>();
    p.weight_down.assign(wd, wd + (grid - 1) * grid);
    p.weight_right.assign(wr, wr + grid * (grid - 1));
    const auto labels = solve_three_labels(p);
    for (int64_t cell = 0; cell < grid * grid; ++cell) mask_values[b][0][cell / grid][cell % grid] = 1.0 - labels[cell] / 2.0;
  }

  PuzzleResult r;
  r.original = x;
  r.partner = x.index_select(0, perm);
  if (o.transport) {
    int64_t ts = o.transport_size > 0 ? std::min({o.transport_size, bh, bw}) : 0;
    if (ts > 0 && (bh % ts != 0 || bw % ts != 0)) ts = 0;
    const int64_t rows = ts > 0 ? h / ts : grid, cols = ts > 0 ? w / ts : grid;
    const auto mask_t = upsample_grid(mask_grid, rows / grid, cols / grid).squeeze(1);  // [B,rows,cols]
    const auto sal_t = block_saliency(sal, h / rows, w / cols);
    const auto own_plan = transport_plan((mask_t > 0).to(torch::kFloat64), sal_t, rows, cols, o.transport_eps);
    const auto partner_plan = transport_plan((mask_t < 1).to(torch::kFloat64), sal_t.index_select(0, cpu_perm), rows, cols, o.transport_eps);
    r.original = move_blocks(x, to_device_async(own_plan, x.device()), rows, cols);
    r.partner = move_blocks(r.partner, to_device_async(partner_plan, x.device()), rows, cols);
  }
  r.mask = to_device_async(upsample_grid(mask_grid, bh, bw).to(x.scalar_type()), x.device());
  return r;
}

}  // namespace adx
