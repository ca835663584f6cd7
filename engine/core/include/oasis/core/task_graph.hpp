#pragma once
// Independent pieces of work run at the same time, each after those it needs, with the outcome
// (which error is reported) independent of the order they finished in.
#include <cstddef>
#include <functional>
#include <vector>

namespace oasis {

/// What a task is told while it runs.
class TaskControl {
 public:
  virtual ~TaskControl() = default;
  /// True once another task has failed: the task should stop (by throwing). Its error is then
  /// not the one reported.
  virtual bool stop_requested() = 0;
};

/// Runs tasks 0 .. n-1 on TBB tasks, at most `threads` at a time (0: all cores): task i
/// starts once every task of needs[i] (indices below i) has finished; a task that has not started
/// when another fails is skipped. Then rethrows the error of the first task, in index order, that
/// failed by itself (not after stop_requested() said true); else the first error in index order.
void run_task_graph(const std::vector<std::vector<std::size_t>>& needs, const std::function<void(std::size_t, TaskControl&)>& body,
                    int threads = 0);

}  // namespace oasis
