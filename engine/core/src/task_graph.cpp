#include "oasis/core/task_graph.hpp"

#include <atomic>
#include <exception>
#include <memory>

#include <fmt/format.h>
#include <tbb/task_arena.h>
#include <tbb/task_group.h>

#include "oasis/core/error.hpp"

namespace oasis {
namespace {

class Control final : public TaskControl {
 public:
  explicit Control(const std::atomic<bool>& failed) : failed_(failed) {}
  bool stop_requested() override {
    if (failed_) stopped = true;
    return stopped;
  }
  bool stopped = false;

 private:
  const std::atomic<bool>& failed_;
};

}  // namespace

void run_task_graph(const std::vector<std::vector<std::size_t>>& needs, const std::function<void(std::size_t, TaskControl&)>& body,
                    int threads) {
  const auto n = needs.size();
  for (std::size_t i = 0; i < n; ++i)
    for (const auto k : needs[i])
      if (k >= i) throw Error(Errc::internal, fmt::format("task {} needs task {}: a task needs only tasks before it", i, k));
  std::atomic<bool> failed{false};
  std::vector<std::exception_ptr> error(n);
  std::vector<std::unique_ptr<Control>> control;
  for (std::size_t i = 0; i < n; ++i) control.push_back(std::make_unique<Control>(failed));
  // Each task counts the tasks it still waits for; the one that brings a count to zero starts it.
  // (A task_group rather than a flow graph: TBB 2021's flow-graph tasks downcast after their
  // destructor ran, which UndefinedBehaviorSanitizer rightly reports.)
  std::vector<std::vector<std::size_t>> dependents(n);
  std::vector<std::atomic<std::size_t>> waiting(n);
  for (std::size_t i = 0; i < n; ++i) {
    waiting[i] = needs[i].size();
    for (const auto k : needs[i]) dependents[k].push_back(i);
  }
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::task_group group;
    std::function<void(std::size_t)> run = [&](std::size_t i) {
      if (!control[i]->stop_requested()) {  // else skipped: another task failed
        try {
          body(i, *control[i]);
        } catch (...) {
          error[i] = std::current_exception();
          failed = true;
        }
      }
      for (const auto d : dependents[i])
        if (--waiting[d] == 0) group.run([&run, d] { run(d); });
    };
    for (std::size_t i = 0; i < n; ++i)
      if (needs[i].empty()) group.run([&run, i] { run(i); });
    group.wait();
  });
  for (std::size_t i = 0; i < n; ++i)
    if (error[i] && !control[i]->stopped) std::rethrow_exception(error[i]);
  for (std::size_t i = 0; i < n; ++i)
    if (error[i]) std::rethrow_exception(error[i]);
}

}  // namespace oasis
