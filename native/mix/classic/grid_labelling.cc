#include "mix/classic/grid_labelling.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "mix/classic/max_flow.h"

namespace adx {

namespace {

void check_sizes(const GridLabelProblem& p) {
  const auto cells = static_cast<size_t>(p.rows * p.cols);
  if (p.rows < 1 || p.cols < 1 || p.unary.size() != cells * 3 ||
      p.weight_down.size() != static_cast<size_t>((p.rows - 1) * p.cols) ||
      p.weight_right.size() != static_cast<size_t>(p.rows * (p.cols - 1))) {
    throw Error(ErrorCode::Config, "grid labelling: the unary and edge arrays do not fit a " + std::to_string(p.rows) +
                                       "x" + std::to_string(p.cols) + " grid");
  }
}

// Accumulates E(x) = Σ a_i·x_i + Σ c_ij·x_i·x_j (c_ij ≤ 0) over binary x and builds its cut graph.
// Node i on the sink side means x_i = 1.
class SubmodularQuadratic {
 public:
  explicit SubmodularQuadratic(int variables) : linear_(variables, 0.0), graph_(variables + 2), source_(variables), sink_(variables + 1) {}

  void add_linear(int i, double a) { linear_[i] += a; }

  // c·x_i·x_j with c ≤ 0, written as c·x_i + |c|·x_i·(1 − x_j): an edge j → i.
  void add_product(int i, int j, double c) {
    linear_[i] += c;
    graph_.add_edge(j, i, -c);
  }

  // Forbids x_second = 1 while x_first = 0 (a cost `big` on (1 − x_first)·x_second): an edge first → second.
  void forbid_second_without_first(int first, int second, double big) { graph_.add_edge(first, second, big); }

  std::vector<bool> minimise() {
    for (size_t i = 0; i < linear_.size(); ++i) {
      const int node = static_cast<int>(i);
      if (linear_[i] > 0) graph_.add_edge(source_, node, linear_[i]);
      if (linear_[i] < 0) graph_.add_edge(node, sink_, -linear_[i]);
    }
    graph_.solve(source_, sink_);
    std::vector<bool> x(linear_.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = !graph_.on_source_side(static_cast<int>(i));
    return x;
  }

 private:
  std::vector<double> linear_;
  MaxFlow graph_;
  int source_, sink_;
};

}  // namespace

std::vector<int> solve_three_labels(const GridLabelProblem& p) {
  check_sizes(p);
  const int cells = static_cast<int>(p.rows * p.cols);
  // Variables: b1 of cell c is c, b2 is cells + c.
  SubmodularQuadratic energy(2 * cells);
  double big = 1.0;
  for (int c = 0; c < cells; ++c) {
    const double u0 = p.unary[3 * c], u1 = p.unary[3 * c + 1], u2 = p.unary[3 * c + 2];
    energy.add_linear(c, u1 - u0);
    energy.add_linear(cells + c, u2 - u1);
    big += std::abs(u1 - u0) + std::abs(u2 - u1);
  }
  const auto add_edge = [&](int a, int b, double weight) {
    const double k = std::max(0.0, weight) / 4.0;
    if (k == 0) return;
    // k·(A − B)² with A = b1a + b2a, B = b1b + b2b: k·(b1a + 3·b2a + b1b + 3·b2b) − 2k·(A·B).
    energy.add_linear(a, k);
    energy.add_linear(cells + a, 3 * k);
    energy.add_linear(b, k);
    energy.add_linear(cells + b, 3 * k);
    for (int va : {a, cells + a}) {
      for (int vb : {b, cells + b}) energy.add_product(va, vb, -2 * k);
    }
    big += 16 * k;
  };
  for (int64_t r = 0; r + 1 < p.rows; ++r) {
    for (int64_t c = 0; c < p.cols; ++c) add_edge(static_cast<int>(r * p.cols + c), static_cast<int>((r + 1) * p.cols + c), p.weight_down[r * p.cols + c]);
  }
  for (int64_t r = 0; r < p.rows; ++r) {
    for (int64_t c = 0; c + 1 < p.cols; ++c) add_edge(static_cast<int>(r * p.cols + c), static_cast<int>(r * p.cols + c + 1), p.weight_right[r * (p.cols - 1) + c]);
  }
  for (int c = 0; c < cells; ++c) energy.forbid_second_without_first(c, cells + c, big);  // b2 ≤ b1
  const auto x = energy.minimise();
  std::vector<int> labels(cells);
  for (int c = 0; c < cells; ++c) labels[c] = static_cast<int>(x[c]) + static_cast<int>(x[cells + c]);
  return labels;
}

double labelling_energy(const GridLabelProblem& p, const std::vector<int>& labels) {
  check_sizes(p);
  double e = 0;
  for (size_t c = 0; c < labels.size(); ++c) e += p.unary[3 * c + labels[c]];
  const auto pair = [&](int64_t a, int64_t b, double w) {
    const double d = labels[a] - labels[b];
    e += std::max(0.0, w) * d * d / 4.0;
  };
  for (int64_t r = 0; r + 1 < p.rows; ++r) {
    for (int64_t c = 0; c < p.cols; ++c) pair(r * p.cols + c, (r + 1) * p.cols + c, p.weight_down[r * p.cols + c]);
  }
  for (int64_t r = 0; r < p.rows; ++r) {
    for (int64_t c = 0; c + 1 < p.cols; ++c) pair(r * p.cols + c, r * p.cols + c + 1, p.weight_right[r * (p.cols - 1) + c]);
  }
  return e;
}

}  // namespace adx
