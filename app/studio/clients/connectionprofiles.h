#pragma once

#include "nimbus/lambdaclient/lambdaclient.h"

#include <QList>
#include <QString>
#include <optional>

namespace nimbus::studio {

struct ControlPlaneEndpoint;

// Where the Deployed Functions panel looks: the project's own simulator, or a
// Lambda-compatible endpoint reached as the AWS tools reach it. A profile holds no secret:
// credentials come from the AWS credential chain (environment, then the named profile in
// ~/.aws/credentials) each time it is used.
struct ConnectionProfile {
    QString name;        // shown in the picker
    QString endpointUrl; // empty: the project's simulator
    QString awsProfile;  // empty: the chain's default (AWS_PROFILE, else "default")
    QString region;      // empty: AWS_REGION, the profile's, or us-east-1

    bool isProjectSimulator() const { return endpointUrl.isEmpty(); }
    bool operator==(const ConnectionProfile &other) const = default;
};

// The saved profiles (in the Studio's settings), the project simulator first.
class ConnectionProfiles {
public:
    static ConnectionProfile projectSimulator();
    static QList<ConnectionProfile> load();
    static void save(const QList<ConnectionProfile> &profiles); // the simulator is not saved
    // The AWS profile names a new connection may use (from the usual AWS files).
    static QStringList awsProfiles();

    // A profile's endpoint with its credentials resolved now; nullopt with `error` saying
    // what is missing. `simulator` is the project's simulator (url empty when not running).
    static std::optional<lambdaclient::Endpoint> resolve(const ConnectionProfile &profile,
                                                         const ControlPlaneEndpoint &simulator,
                                                         QString &error);
};

} // namespace nimbus::studio
