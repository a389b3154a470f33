#include "connectionprofiles.h"

#include "nimbus/lambdaclient/credentialsource.h"
#include "signedrequest.h"

#include <QSettings>

namespace nimbus::studio {

ConnectionProfile ConnectionProfiles::projectSimulator() {
    return {QObject::tr("Project simulator"), {}, {}, {}};
}

QList<ConnectionProfile> ConnectionProfiles::load() {
    QList<ConnectionProfile> out{projectSimulator()};
    QSettings settings;
    const int count = settings.beginReadArray("connections");
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        ConnectionProfile p{
            settings.value("name").toString(), settings.value("endpoint").toString(),
            settings.value("awsProfile").toString(), settings.value("region").toString()};
        if (!p.name.isEmpty() && !p.endpointUrl.isEmpty())
            out.append(p);
    }
    settings.endArray();
    return out;
}

void ConnectionProfiles::save(const QList<ConnectionProfile> &profiles) {
    QSettings settings;
    settings.beginWriteArray("connections");
    int i = 0;
    for (const auto &p : profiles) {
        if (p.isProjectSimulator())
            continue;
        settings.setArrayIndex(i++);
        settings.setValue("name", p.name);
        settings.setValue("endpoint", p.endpointUrl);
        settings.setValue("awsProfile", p.awsProfile);
        settings.setValue("region", p.region);
    }
    settings.endArray();
}

QStringList ConnectionProfiles::awsProfiles() {
    QStringList out;
    for (const auto &name : lambdaclient::awsProfiles())
        out.append(QString::fromStdString(name));
    return out;
}

std::optional<lambdaclient::Endpoint>
ConnectionProfiles::resolve(const ConnectionProfile &profile, const ControlPlaneEndpoint &simulator,
                            QString &error) {
    lambdaclient::Endpoint endpoint;
    if (profile.isProjectSimulator()) {
        if (simulator.url.isEmpty()) {
            error = QObject::tr("The project's simulator is not running.");
            return std::nullopt;
        }
        endpoint.url = simulator.url.toString(QUrl::StripTrailingSlash).toStdString();
        endpoint.region = simulator.region.toStdString();
        endpoint.credentials = {
            simulator.accessKeyId.toStdString(), simulator.secretAccessKey.toStdString(), {}};
        return endpoint;
    }
    const QUrl url(profile.endpointUrl);
    if (!url.isValid() || (url.scheme() != "http" && url.scheme() != "https") ||
        url.host().isEmpty()) {
        error = QObject::tr("The endpoint of '%1' is not an http:// or https:// URL: %2")
                    .arg(profile.name, profile.endpointUrl);
        return std::nullopt;
    }
    std::string why;
    const std::string awsProfile = profile.awsProfile.toStdString();
    const auto credentials = lambdaclient::awsCredentials(awsProfile, why);
    if (!credentials) {
        error = QString::fromStdString(why);
        return std::nullopt;
    }
    endpoint.url = profile.endpointUrl.toStdString();
    while (!endpoint.url.empty() && endpoint.url.back() == '/')
        endpoint.url.pop_back();
    endpoint.credentials = *credentials;
    endpoint.region = !profile.region.isEmpty()
                          ? profile.region.toStdString()
                          : lambdaclient::awsRegion(awsProfile).value_or("us-east-1");
    return endpoint;
}

} // namespace nimbus::studio
