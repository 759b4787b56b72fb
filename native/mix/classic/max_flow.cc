#include "mix/classic/max_flow.h"

#include <algorithm>
#include <limits>
#include <queue>

namespace adx {

namespace {
// Residual capacities below this count as saturated (costs are sums of small doubles).
constexpr double kEpsilon = 1e-12;
}  // namespace

MaxFlow::MaxFlow(int nodes) : adjacency_(nodes), level_(nodes, -1), next_edge_(nodes, 0) {}

void MaxFlow::add_edge(int from, int to, double capacity) {
  if (!(capacity > 0)) return;
  adjacency_[from].push_back(static_cast<int>(edges_.size()));
  edges_.push_back({to, capacity});
  adjacency_[to].push_back(static_cast<int>(edges_.size()));
  edges_.push_back({from, 0.0});
}

bool MaxFlow::build_levels(int source, int sink) {
  std::fill(level_.begin(), level_.end(), -1);
  std::queue<int> frontier;
  level_[source] = 0;
  frontier.push(source);
  while (!frontier.empty()) {
    const int node = frontier.front();
    frontier.pop();
    for (int e : adjacency_[node]) {
      const auto& edge = edges_[e];
      if (edge.residual > kEpsilon && level_[edge.to] < 0) {
        level_[edge.to] = level_[node] + 1;
        frontier.push(edge.to);
      }
    }
  }
  return level_[sink] >= 0;
}

double MaxFlow::push(int node, int sink, double limit) {
  if (node == sink) return limit;
  for (size_t& i = next_edge_[node]; i < adjacency_[node].size(); ++i) {
    const int e = adjacency_[node][i];
    auto& edge = edges_[e];
    if (edge.residual <= kEpsilon || level_[edge.to] != level_[node] + 1) continue;
    const double pushed = push(edge.to, sink, std::min(limit, edge.residual));
    if (pushed > 0) {
      edge.residual -= pushed;
      edges_[e ^ 1].residual += pushed;
      return pushed;
    }
  }
  return 0;
}

double MaxFlow::solve(int source, int sink) {
  double total = 0;
  while (build_levels(source, sink)) {
    std::fill(next_edge_.begin(), next_edge_.end(), 0);
    for (;;) {
      const double pushed = push(source, sink, std::numeric_limits<double>::infinity());
      if (!(pushed > 0)) break;
      total += pushed;
    }
  }
  // The last build_levels() left the levels of the residual graph: the source side of the cut.
  return total;
}

}  // namespace adx
