#pragma once
// The HTTP side of `oasis serve` (docs/serve.md): cpp-httplib on 127.0.0.1 by default, the page and
// its scripts (compiled in, no external request), the JSON API over a Planner, request size and
// rate limits, errors as JSON with the codes of docs/errors.md.
#include <memory>
#include <string>

#include "oasis/serve/planner.hpp"

namespace oasis::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback only unless asked otherwise
  int port = 8765;                 // 0 = any free port (port() tells which)
};

class Server {
 public:
  Server(Planner& planner, ServerOptions options);
  ~Server();
  /// Binds the port; throws Error(io) when it is taken. Returns the port bound.
  int bind();
  /// Serves until stop() (from another thread or a signal handler's thread).
  void run();
  void stop();
  [[nodiscard]] int port() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The OpenAPI document of the API (docs/serve-openapi.json, compiled in).
std::string_view openapi_json();

}  // namespace oasis::serve
