#pragma once

#include <QJsonArray>
#include <QStandardItemModel>

namespace nimbus::studio {

// The project's functions as nimbus-lsp lists them (nimbus.listFunctions), grouped by kind
// (event function, http function, http service); under each function its runtime, its
// events, where its third-party packages stand and its layers. Where a function is defined and
// where its handler is come along as roles.
class FunctionsModel : public QStandardItemModel {
    Q_OBJECT
public:
    enum Role {
        FunctionNameRole = Qt::UserRole + 1, // on function rows (and their detail rows)
        KindRole,                            // "event" | "http" | "service"
        DefinitionFileRole,
        DefinitionLineRole,
        ManifestFileRole,
        ManifestLineRole,
        RoutesRole, // QJsonArray of {type, method, path}
        // On a dependencies row: "installed", "installing", "failed" or "not installed".
        DependencyStateRole,
    };

    explicit FunctionsModel(QObject *parent = nullptr);

    // Replaces the list (keeps nothing of the old one).
    void setFunctions(const QJsonArray &functions);
    const QJsonArray &functions() const { return m_functions; }
    QJsonObject function(const QString &name) const;
    QStringList names(const QString &kind = {}) const;
    QModelIndex indexOf(const QString &name) const;

signals:
    void functionsChanged();

private:
    QJsonArray m_functions;
};

QString kindTitle(const QString &kind); // "event" -> "Event functions"

} // namespace nimbus::studio
