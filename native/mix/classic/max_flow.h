// Maximum flow / minimum cut on a small directed graph (Dinic's algorithm), for PuzzleMix's
// labelling of its block grid (at most a few hundred nodes per image).
#pragma once

#include <vector>

namespace adx {

class MaxFlow {
 public:
  explicit MaxFlow(int nodes);

  // A directed edge; a capacity ≤ 0 adds nothing.
  void add_edge(int from, int to, double capacity);

  // The maximum flow from source to sink; afterwards on_source_side() tells the minimum cut.
  double solve(int source, int sink);

  // Whether `node` is reachable from the source in the residual graph of the last solve().
  bool on_source_side(int node) const { return level_[node] >= 0; }

 private:
  struct Edge {
    int to;
    double residual;
  };
  bool build_levels(int source, int sink);
  double push(int node, int sink, double limit);

  std::vector<Edge> edges_;                 // edge i and its reverse i^1
  std::vector<std::vector<int>> adjacency_;  // node -> edge indices
  std::vector<int> level_;
  std::vector<size_t> next_edge_;
};

}  // namespace adx
