#pragma once

#include "nimbus/deploy/deployer.h"
#include "nimbus/lambda/lambdatypes.h"

#include <QSet>
#include <QSortFilterProxyModel>
#include <QStandardItemModel>
#include <optional>
#include <vector>

namespace nimbus::studio {

// What a function's node shows once opened: GetFunction's tags and concurrency, its
// versions and aliases.
struct FunctionDetails {
    lambda::Tags tags;
    std::optional<int> reservedConcurrency;
    std::vector<lambda::FunctionConfiguration> versions; // published ones ($LATEST left out)
    std::vector<lambda::AliasConfiguration> aliases;
};

// How a deployed function compares with the project (nullopt: not one of its functions).
struct LocalComparison {
    QString manifestName;
    std::vector<deploy::Difference> differences;
};

// The functions on one endpoint as a tree, one node per function with its configuration
// (environment values masked until revealed), versions, aliases with their traffic split,
// reserved concurrency, tags and the differences from the local manifest. Two columns:
// a name and its value. Nodes say what they are (KindRole) and which function and
// qualifier they stand for, so actions can be offered on them.
class DeployedModel : public QStandardItemModel {
    Q_OBJECT
public:
    enum class Kind {
        Function,
        Placeholder, // "Loading…" or an error, under a function not yet opened
        Section,     // Configuration, Versions, Aliases, Tags, Differences
        Field,       // a configuration value, a tag
        Environment, // one variable (masked)
        Version,
        Alias,
        Concurrency,
        Difference,
        LoadMore,
    };
    Q_ENUM(Kind)
    enum Role {
        KindRole = Qt::UserRole + 1,
        FunctionRole,  // the deployed name
        QualifierRole, // a version number or alias name
        CommitRole,    // the git commit a node was deployed from
        SecretRole,    // an environment value
        LoadedRole,    // on a function: its details have arrived
    };

    explicit DeployedModel(QObject *parent = nullptr);

    // Replaces the list (or adds a page to it); `more`: a "Load more…" row follows.
    void setFunctions(const std::vector<lambda::FunctionConfiguration> &functions, bool append,
                      bool more);
    void setDetails(const QString &function, const FunctionDetails &details);
    void setDetailsError(const QString &function, const QString &error);
    void setComparison(const QString &function, const std::optional<LocalComparison> &comparison);
    bool valuesRevealed(const QString &function) const { return m_revealed.contains(function); }
    void setValuesRevealed(const QString &function, bool revealed);

    QModelIndex functionIndex(const QString &function) const;
    QStringList functionNames() const;
    const lambda::FunctionConfiguration *configuration(const QString &function) const;
    const FunctionDetails *details(const QString &function) const;
    // The commit a function (its tags) or a version (its description) was deployed from.
    static QString commitOf(const lambda::FunctionConfiguration &version,
                            const lambda::FunctionConfiguration &latest, const lambda::Tags &tags);
    // "90% v3 / 10% v4".
    static QString trafficSplit(const lambda::AliasConfiguration &alias);

private:
    QStandardItem *functionItem(const QString &function) const;
    void fillConfiguration(QStandardItem *section, const QString &function);
    void updateSummary(const QString &function);

    std::map<QString, lambda::FunctionConfiguration> m_configs;
    std::map<QString, FunctionDetails> m_details;
    std::map<QString, std::optional<LocalComparison>> m_comparisons;
    QSet<QString> m_revealed;
};

// The panel's filter: functions whose name contains the text (their children stay).
class DeployedFilterModel : public QSortFilterProxyModel {
    Q_OBJECT
public:
    using QSortFilterProxyModel::QSortFilterProxyModel;

protected:
    bool filterAcceptsRow(int row, const QModelIndex &parent) const override;
};

} // namespace nimbus::studio
