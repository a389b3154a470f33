#include "routetable.h"

#include "authorizers.h"
#include "nimbus/net/textformat.h"

#include <algorithm>
#include <tuple>

namespace nimbus::sim {

namespace {

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    while (start <= path.size()) {
        const std::size_t slash = path.find('/', start);
        const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start)
            out.push_back(path.substr(start, end - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    return out;
}

// How well a route's path fits a request path; empty when it does not fit. Compared
// lexicographically: per segment 3 = literal, 2 = parameter, 1 = greedy.
struct Fit {
    std::vector<int> score;
    std::map<std::string, std::string> parameters;
    std::string innerPath;
};

std::optional<Fit> fitEventPath(const std::string &pattern, std::string_view path) {
    Fit fit;
    const auto want = segments(pattern);
    const auto have = segments(path);
    std::size_t i = 0;
    for (; i < want.size(); ++i) {
        const std::string_view w = want[i];
        const bool parameter = w.size() > 2 && w.front() == '{' && w.back() == '}';
        if (parameter && w[w.size() - 2] == '+') {
            // {name+}: one or more remaining segments, as one value.
            if (i >= have.size())
                return std::nullopt;
            std::string rest;
            for (std::size_t j = i; j < have.size(); ++j)
                rest += (j > i ? "/" : "") + net::percentDecode(have[j]);
            fit.parameters[std::string(w.substr(1, w.size() - 3))] = rest;
            fit.score.push_back(1);
            return fit;
        }
        if (i >= have.size())
            return std::nullopt;
        if (parameter) {
            fit.parameters[std::string(w.substr(1, w.size() - 2))] = net::percentDecode(have[i]);
            fit.score.push_back(2);
        } else if (net::percentDecode(have[i]) == w) {
            fit.score.push_back(3);
        } else {
            return std::nullopt;
        }
    }
    if (i != have.size())
        return std::nullopt;
    return fit;
}

// An http function or service answers at its path and everything below it.
std::optional<Fit> fitMount(const std::string &mount, std::string_view path) {
    const auto want = segments(mount);
    const auto have = segments(path);
    if (have.size() < want.size())
        return std::nullopt;
    Fit fit;
    for (std::size_t i = 0; i < want.size(); ++i) {
        if (net::percentDecode(have[i]) != want[i])
            return std::nullopt;
        fit.score.push_back(3);
    }
    fit.score.push_back(1); // below a mount counts as greedy
    // The rest of the path as it came, encoding and trailing slash intact.
    std::size_t at = 0;
    for (std::size_t i = 0; i < want.size(); ++i)
        at = path.find('/', at + 1);
    fit.innerPath = at == std::string_view::npos ? "/" : std::string(path.substr(at));
    if (fit.innerPath.empty())
        fit.innerPath = "/";
    return fit;
}

} // namespace

std::string Route::kindName() const {
    switch (kind) {
    case RouteKind::RestEvent:
    case RouteKind::HttpEvent:
    case RouteKind::ScfEvent:
        return "event";
    case RouteKind::Function:
        return "http";
    case RouteKind::Service:
        return "service";
    }
    return "event";
}

std::string Route::routeKey() const {
    if (path == "*")
        return "$default";
    return method + " " + path;
}

RouteTable::RouteTable(const manifest::Manifest &manifest) {
    for (const auto &function : manifest.functions) {
        switch (function.kind) {
        case manifest::FunctionKind::Event:
            for (const auto &event : function.events) {
                if (event.type == "http" && event.writtenType == "apigw") {
                    m_routes.push_back({event.method, event.path, function.name,
                                        RouteKind::ScfEvent, nullptr,
                                        std::make_shared<const ScfApiSpec>(
                                            ScfApiSpec{event.integratedResponse, event.apiStage})});
                } else if (event.type == "http" || event.type == "httpApi") {
                    m_routes.push_back(
                        {event.method, event.path, function.name,
                         event.type == "http" ? RouteKind::RestEvent : RouteKind::HttpEvent,
                         nullptr, nullptr});
                    if (auto spec = authorizerOf(manifest, event))
                        m_routes.back().authorizer =
                            std::make_shared<const AuthorizerSpec>(std::move(*spec));
                }
            }
            break;
        case manifest::FunctionKind::HttpFunction:
            m_routes.push_back(
                {"ANY", function.path, function.name, RouteKind::Function, nullptr, nullptr});
            break;
        case manifest::FunctionKind::HttpService:
            m_routes.push_back(
                {"ANY", function.path, function.name, RouteKind::Service, nullptr, nullptr});
            break;
        }
        for (const auto &event : function.events) {
            if (event.type != "websocket")
                continue;
            WebSocketRoute route;
            route.function = function.name;
            if (event.settings.isScalar()) {
                route.routeKey = event.settings.scalar;
            } else if (event.settings.isMapping()) {
                if (const auto *key = event.settings.find("route"); key && key->isScalar())
                    route.routeKey = key->scalar;
                route.twoWay = event.settings.find("routeResponseSelectionExpression") != nullptr;
            }
            if (auto spec = webSocketAuthorizerOf(manifest, event))
                route.authorizer = std::make_shared<const AuthorizerSpec>(std::move(*spec));
            if (!route.routeKey.empty())
                m_webSocketRoutes.push_back(std::move(route));
        }
    }
    if (const auto *provider = manifest.tree.find("provider"))
        if (const auto *expression = provider->find("websocketsApiRouteSelectionExpression");
            expression && expression->isScalar() && !expression->scalar.empty())
            m_routeSelection = expression->scalar;
}

const WebSocketRoute *RouteTable::webSocketRoute(const std::string &routeKey) const {
    for (const auto &route : m_webSocketRoutes)
        if (route.routeKey == routeKey)
            return &route;
    return nullptr;
}

std::optional<RouteMatch> RouteTable::match(const std::string &method,
                                            const std::string &path) const {
    const Route *best = nullptr;
    Fit bestFit;
    auto better = [&](const Route &route, const Fit &fit) {
        if (!best)
            return true;
        if (fit.score != bestFit.score)
            return fit.score > bestFit.score;
        return best->method == "ANY" && route.method != "ANY";
    };
    const Route *catchAll = nullptr;
    for (const auto &route : m_routes) {
        if (route.method != "ANY" && route.method != method)
            continue;
        if (route.path == "*") {
            if (!catchAll || (catchAll->method == "ANY" && route.method != "ANY"))
                catchAll = &route;
            continue;
        }
        const bool mounted = route.kind == RouteKind::Function || route.kind == RouteKind::Service;
        auto fit = mounted ? fitMount(route.path, path) : fitEventPath(route.path, path);
        if (fit && better(route, *fit)) {
            best = &route;
            bestFit = std::move(*fit);
        }
    }
    if (!best && catchAll)
        return RouteMatch{catchAll, {}, {}, {}};
    if (!best)
        return std::nullopt;
    RouteMatch result{best, std::move(bestFit.parameters), std::move(bestFit.innerPath), {}};
    if (best->kind == RouteKind::Function || best->kind == RouteKind::Service)
        result.mountPath = best->path == "/" ? "" : best->path;
    return result;
}

bool RouteTable::pathExists(const std::string &path) const {
    for (const auto &route : m_routes) {
        const bool mounted = route.kind == RouteKind::Function || route.kind == RouteKind::Service;
        if (route.path == "*" ||
            (mounted ? fitMount(route.path, path) : fitEventPath(route.path, path)))
            return true;
    }
    return false;
}

nlohmann::json RouteTable::toJson(const std::string &baseUrl, const std::string &stage) const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto &route : m_routes) {
        nlohmann::json row{{"method", route.method},
                           {"path", route.path},
                           {"function", route.function},
                           {"kind", route.kindName()},
                           {"url", baseUrl + (route.path == "*" ? "/" : route.path)}};
        if (route.kind == RouteKind::RestEvent || route.kind == RouteKind::HttpEvent)
            row["payload"] = route.kind == RouteKind::RestEvent ? "1.0" : "2.0";
        if (route.authorizer) {
            const auto &a = *route.authorizer;
            row["authorizer"] = {{"name", a.name},
                                 {"type", a.kind == AuthorizerSpec::Kind::Token     ? "token"
                                          : a.kind == AuthorizerSpec::Kind::Request ? "request"
                                          : a.kind == AuthorizerSpec::Kind::Jwt     ? "jwt"
                                                                                    : "not enforced"}};
            if (!a.unsupported.empty())
                row["authorizer"]["why"] = a.unsupported;
        }
        out.push_back(std::move(row));
    }
    const std::string ws = (baseUrl.rfind("http", 0) == 0 ? "ws" + baseUrl.substr(4) : baseUrl) + "/" + stage;
    for (const auto &route : m_webSocketRoutes)
        out.push_back({{"method", "WS"},
                       {"path", route.routeKey},
                       {"function", route.function},
                       {"kind", "websocket"},
                       {"url", ws}});
    return out;
}

} // namespace nimbus::sim
