#include "oasis/core/task_graph.hpp"

#include <atomic>
#include <exception>
#include <memory>

#include <fmt/format.h>
#include <tbb/flow_graph.h>
#include <tbb/task_arena.h>

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
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    using Node = tbb::flow::continue_node<tbb::flow::continue_msg>;
    tbb::flow::graph g;
    tbb::flow::broadcast_node<tbb::flow::continue_msg> start(g);
    std::vector<std::unique_ptr<Node>> nodes;
    for (std::size_t i = 0; i < n; ++i) {
      nodes.push_back(std::make_unique<Node>(g, [&, i](const tbb::flow::continue_msg&) {
        if (control[i]->stop_requested()) return;  // skipped: another task failed
        try {
          body(i, *control[i]);
        } catch (...) {
          error[i] = std::current_exception();
          failed = true;
        }
      }));
      for (const auto k : needs[i]) tbb::flow::make_edge(*nodes[k], *nodes[i]);
      if (needs[i].empty()) tbb::flow::make_edge(start, *nodes[i]);
    }
    start.try_put(tbb::flow::continue_msg());
    g.wait_for_all();
  });
  for (std::size_t i = 0; i < n; ++i)
    if (error[i] && !control[i]->stopped) std::rethrow_exception(error[i]);
  for (std::size_t i = 0; i < n; ++i)
    if (error[i]) std::rethrow_exception(error[i]);
}

}  // namespace oasis
