// PuzzleMix's labelling of its block grid (ALGORITHMS.md §3): each cell takes label 0 (the
// original image), 1 (half and half) or 2 (the partner), minimising
//   Σ_p U_p(L_p) + Σ_{p~q} w_pq · (L_p − L_q)² / 4
// over the 4-connected grid. The original approximates this with pygco's α-β swap; we solve it
// exactly with one minimum cut: with b1 = [L ≥ 1] and b2 = [L ≥ 2] (b2 ≤ b1) the energy is a
// submodular quadratic function of the bits, because (b1 + b2)² = b1 + 3·b2 under b2 ≤ b1.
// Negative edge weights are taken as 0 (they would make the problem non-submodular).
#pragma once

#include <cstdint>
#include <vector>

namespace adx {

struct GridLabelProblem {
  int64_t rows = 0, cols = 0;
  std::vector<double> unary;         // [rows·cols·3]: unary[p·3 + l], p = r·cols + c
  std::vector<double> weight_down;   // [(rows−1)·cols]: edge (r,c)–(r+1,c) at r·cols + c
  std::vector<double> weight_right;  // [rows·(cols−1)]: edge (r,c)–(r,c+1) at r·(cols−1) + c
};

// Labels in {0, 1, 2}, row-major; a global minimum of the energy. E_CONFIG on inconsistent sizes.
std::vector<int> solve_three_labels(const GridLabelProblem& problem);

// The energy of a labelling (for tests and checks).
double labelling_energy(const GridLabelProblem& problem, const std::vector<int>& labels);

}  // namespace adx
