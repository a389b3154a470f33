#pragma once

#include "nimbus/manifest/manifest.h"

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace nimbus::sim {

// What the gateway does with a request that matches a route.
enum class RouteKind {
    RestEvent, // `http` event: API Gateway REST proxy event, payload 1.0
    HttpEvent, // `httpApi` event: API Gateway HTTP API event, payload 2.0
    Function,  // http function: the request itself, at the function's path and below
    Service,   // http service: proxied to an instance, at the service's path and below
    ScfEvent,  // SCF `apigw` trigger: SCF's API gateway event, its integrated response
};

// How an SCF API gateway trigger's API answers.
struct ScfApiSpec {
    bool integratedResponse = false; // the function's result is the HTTP response
    std::string stage = "release";   // the release environment, requestContext.stage
};

struct AuthorizerSpec; // authorizers.h

struct Route {
    std::string method;   // upper case; "ANY" for every method
    std::string path;     // as written: /users/{id}, /files/{proxy+}, "*" (catch-all), /fn
    std::string function; // the manifest's name
    RouteKind kind = RouteKind::HttpEvent;
    // What guards it (http and httpApi events with an authorizer).
    std::shared_ptr<const AuthorizerSpec> authorizer;
    std::shared_ptr<const ScfApiSpec> scf; // ScfEvent routes

    // "event" for API-gateway events, "http" for http functions, "service" for services.
    std::string kindName() const;
    // The route key as API Gateway writes it: "GET /users/{id}", "$default".
    std::string routeKey() const;
};

// A route of the project's WebSocket API (`websocket` events): $connect, $disconnect,
// $default or a custom key chosen by the route selection expression.
struct WebSocketRoute {
    std::string routeKey;
    std::string function;
    bool twoWay = false; // routeResponseSelectionExpression: the function's answer goes back
    std::shared_ptr<const AuthorizerSpec> authorizer; // $connect's
};

struct RouteMatch {
    const Route *route = nullptr;
    std::map<std::string, std::string> pathParameters; // decoded values
    // For http functions and services: the part of the path below the route's path
    // ("/" when the request is for the path itself), and the prefix that was taken off.
    std::string innerPath;
    std::string mountPath;
};

// The gateway's routes, built from the manifest, and the matching API Gateway does: the
// most specific path wins (literal segments over {parameters} over {greedy+}, then the
// longest), then an exact method over ANY; "*" matches what nothing else does.
class RouteTable {
public:
    RouteTable() = default;
    explicit RouteTable(const manifest::Manifest &manifest);

    const std::vector<Route> &routes() const { return m_routes; }
    const std::vector<WebSocketRoute> &webSocketRoutes() const { return m_webSocketRoutes; }
    const WebSocketRoute *webSocketRoute(const std::string &routeKey) const;
    // provider.websocketsApiRouteSelectionExpression ($request.body.action by default).
    const std::string &routeSelectionExpression() const { return m_routeSelection; }
    // `path` is the request path without the query string, still percent-encoded.
    std::optional<RouteMatch> match(const std::string &method, const std::string &path) const;
    // True when the path matches a route for another method (for 405 vs 404).
    bool pathExists(const std::string &path) const;

    // The routes as GET /_nimbus/routes serves them: [{method, path, function, kind, url}]
    // (WebSocket routes: method "WS", path the route key, url ws://host/STAGE).
    nlohmann::json toJson(const std::string &baseUrl, const std::string &stage = "dev") const;

private:
    std::vector<Route> m_routes;
    std::vector<WebSocketRoute> m_webSocketRoutes;
    std::string m_routeSelection = "$request.body.action";
};

} // namespace nimbus::sim
