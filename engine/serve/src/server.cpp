// The HTTP server of `oasis serve`: routes of docs/serve-openapi.json over the Planner. Nothing the
// client sends names a file: territories are ids of the served scenarios, exports are fixed names.
#include "oasis/serve/server.hpp"

#include <httplib.h>

#include <chrono>
#include <map>
#include <mutex>
#include <regex>

#include <fmt/format.h>

#include "oasis/core/error.hpp"
#include "oasis/core/version.hpp"

namespace oasis::serve::web {
extern const std::string_view page, planner_js, planner_css, leaflet_js, leaflet_css, openapi;
}  // namespace oasis::serve::web

namespace oasis::serve {

std::string_view openapi_json() { return web::openapi; }

namespace {

using Clock = std::chrono::steady_clock;

/// A token bucket per client address: `rate` requests a second, `burst` at once.
class RateLimit {
 public:
  RateLimit(double rate, double burst) : rate_(rate), burst_(burst) {}
  bool take(const std::string& who) {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    auto [it, fresh] = buckets_.try_emplace(who, Bucket{burst_, now});
    auto& b = it->second;
    if (!fresh) b.tokens = std::min(burst_, b.tokens + rate_ * std::chrono::duration<double>(now - b.at).count());
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    if (buckets_.size() > 10'000) buckets_.clear();  // bounded memory; a cleared bucket starts full
    return true;
  }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double rate_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket> buckets_;
};

int status_of(Errc c) {
  switch (c) {
    case Errc::code_unknown: return 404;
    case Errc::limit: return 429;
    case Errc::internal:
    case Errc::memory:
    case Errc::io: return 500;
    default: return 400;
  }
}

void send_json(httplib::Response& res, const json& j, int status = 200) {
  res.status = status;
  res.set_content(j.dump(), "application/json");
}

void send_error(httplib::Response& res, const std::exception& e) {
  const auto* err = dynamic_cast<const Error*>(&e);
  send_json(res, error_json(e), err ? status_of(err->code()) : 500);
}

json body_json(const httplib::Request& req) {
  if (req.body.empty()) return json::object();
  try {
    return json::parse(req.body);
  } catch (const json::parse_error& e) {
    throw Error(Errc::format, fmt::format("the request body is not JSON: {}", e.what()), "request", {}, "send a JSON object");
  }
}

}  // namespace

struct Server::Impl {
  Planner& planner;
  ServerOptions options;
  httplib::Server http;
  RateLimit rate;
  int port = 0;
  bool loopback = false;

  Impl(Planner& p, ServerOptions o) : planner(p), options(std::move(o)), rate(p.limits().requests_per_second, p.limits().burst) {
    loopback = options.host == "127.0.0.1" || options.host == "localhost" || options.host == "::1";
  }

  template <class F>
  void handle(httplib::Response& res, F&& f) {
    try {
      f();
    } catch (const std::exception& e) {
      send_error(res, e);
    }
  }

  void routes() {
    const auto& L = planner.limits();
    http.set_payload_max_length(L.max_body_bytes);
    http.set_read_timeout(10, 0);
    http.set_write_timeout(30, 0);
    http.set_keep_alive_max_count(1000);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Cache-Control", "no-store");
      // The page and its API only: no script, style or image from elsewhere, no framing.
      res.set_header("Content-Security-Policy",
                     "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'");
      // A page served on loopback answers only to the names of loopback (no DNS rebinding).
      if (loopback) {
        const auto host = req.get_header_value("Host");
        const auto name = host.substr(0, host.rfind(':') == std::string::npos || host.back() == ']' ? host.size() : host.rfind(':'));
        if (name != "127.0.0.1" && name != "localhost" && name != "[::1]") {
          send_json(res,
                    error_json(Error(Errc::usage, fmt::format("Host '{}' is not this machine's loopback name", host), "request", {},
                                     "open http://127.0.0.1:PORT/ (docs/serve.md)")),
                    403);
          return httplib::Server::HandlerResponse::Handled;
        }
      }
      // Rates per session (a tab), and per address for the routes outside a session.
      static const std::regex session_path("^/api/sessions/([0-9a-f]{32})");
      std::smatch m;
      const auto key = std::regex_search(req.path, m, session_path) ? "s:" + m[1].str() : "a:" + req.remote_addr;
      if (!rate.take(key)) {
        send_json(res,
                  error_json(Error(Errc::limit, "too many requests from this address", "request", {},
                                   fmt::format("at most {} requests a second per session", planner.limits().requests_per_second))),
                  429);
        res.set_header("Retry-After", "1");
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
      try {
        std::rethrow_exception(ep);
      } catch (const std::exception& e) {
        send_error(res, e);
      }
    });
    http.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      const auto code = res.status == 413 ? Errc::limit : res.status == 404 ? Errc::code_unknown : Errc::usage;
      const auto message = res.status == 413   ? std::string("the request body is too large")
                           : res.status == 404 ? fmt::format("no route {} {}", req.method, req.path)
                                               : fmt::format("HTTP {}", res.status);
      const int status = res.status;
      send_json(res, error_json(Error(code, message, "request", {}, "docs/serve.md lists the routes and limits")), status);
    });

    const auto asset = [this](const char* path, const std::string_view& body, const char* type) {
      http.Get(path, [body, type](const httplib::Request&, httplib::Response& res) { res.set_content(body.data(), body.size(), type); });
    };
    asset("/", web::page, "text/html; charset=utf-8");
    asset("/planner.js", web::planner_js, "text/javascript; charset=utf-8");
    asset("/planner.css", web::planner_css, "text/css; charset=utf-8");
    asset("/leaflet.js", web::leaflet_js, "text/javascript; charset=utf-8");
    asset("/leaflet.css", web::leaflet_css, "text/css; charset=utf-8");
    asset("/api/openapi.json", web::openapi, "application/json");

    http.Get("/api/version", [](const httplib::Request&, httplib::Response& res) {
      send_json(res, {{"engine", std::string("oasis ") + kVersion}});
    });
    http.Get("/api/territories", [this](const httplib::Request&, httplib::Response& res) { send_json(res, planner.territories()); });
    http.Post("/api/sessions", [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] {
        const auto b = body_json(req);
        if (!b.is_object() || !b.contains("territory") || !b["territory"].is_string())
          throw Error(Errc::scenario_key, "the body needs \"territory\": the id of a served territory", "request", {},
                      "GET /api/territories lists them");
        send_json(res, planner.open_session(b["territory"].get<std::string>()), 201);
      });
    });
    const std::string sid = R"(/api/sessions/([0-9a-f]{32}))";
    http.Get(sid, [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] { send_json(res, planner.state(req.matches[1])); });
    });
    http.Delete(sid, [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] {
        planner.close_session(req.matches[1]);
        res.status = 204;
      });
    });
    http.Get(sid + "/geometry", [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] { res.set_content(planner.geometry(req.matches[1]), "application/json"); });
    });
    http.Post(sid + "/changes", [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] { send_json(res, planner.change(req.matches[1], body_json(req))); });
    });
    http.Post(sid + "/undo", [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] {
        const auto b = body_json(req);
        long index = -1;
        if (b.contains("index")) {
          if (!b["index"].is_number_integer())
            throw Error(Errc::scenario_type, "'index' must be a whole number", "request", {}, "the position in the changes list, from 0");
          index = b["index"].get<long>();
        }
        send_json(res, planner.undo(req.matches[1], index));
      });
    });
    http.Get(sid + "/export/scenario.toml", [this](const httplib::Request& req, httplib::Response& res) {
      handle(res, [&] {
        res.set_header("Content-Disposition", "attachment; filename=\"scenario.toml\"");
        res.set_content(planner.scenario_toml(req.matches[1]), "application/toml; charset=utf-8");
      });
    });
    http.Get(sid + R"(/export/(zones\.csv|zones\.xlsx|communes\.gpkg|summary\.json))",
             [this](const httplib::Request& req, httplib::Response& res) {
               handle(res, [&] {
                 const std::string name = req.matches[2];
                 const char* type = name.ends_with(".csv")    ? "text/csv; charset=utf-8"
                                    : name.ends_with(".xlsx") ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                    : name.ends_with(".json") ? "application/json"
                                                              : "application/geopackage+sqlite3";
                 res.set_header("Content-Disposition", fmt::format("attachment; filename=\"{}\"", name));
                 res.set_content(planner.export_file(req.matches[1], name), type);
               });
             });
  }
};

Server::Server(Planner& planner, ServerOptions options) : impl_(std::make_unique<Impl>(planner, std::move(options))) { impl_->routes(); }
Server::~Server() = default;

int Server::bind() {
  auto& I = *impl_;
  if (I.options.port == 0)
    I.port = I.http.bind_to_any_port(I.options.host);
  else
    I.port = I.http.bind_to_port(I.options.host, I.options.port) ? I.options.port : -1;
  if (I.port < 0)
    throw Error(Errc::io, fmt::format("cannot listen on {}:{} (taken, or not an address of this machine)", I.options.host, I.options.port),
                {}, {}, "choose another --port, or stop the program that holds it");
  return I.port;
}

void Server::run() {
  if (impl_->port <= 0) bind();
  impl_->http.listen_after_bind();
}

void Server::stop() { impl_->http.stop(); }
int Server::port() const noexcept { return impl_->port; }

}  // namespace oasis::serve
