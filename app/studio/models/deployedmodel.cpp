#include "deployedmodel.h"

#include <QBrush>
#include <QDateTime>
#include <QFont>
#include <QLocale>
#include <QRegularExpression>

namespace nimbus::studio {

namespace {

QString q(const std::string &s) {
    return QString::fromStdString(s);
}

constexpr int kNameColumn = 0;
constexpr auto kMask = "••••••••";

QList<QStandardItem *> row(const QString &name, const QString &value, DeployedModel::Kind kind,
                           const QString &function, const QString &qualifier = {}) {
    auto *first = new QStandardItem(name);
    auto *second = new QStandardItem(value);
    for (QStandardItem *item : {first, second}) {
        item->setEditable(false);
        item->setData(QVariant::fromValue(kind), DeployedModel::KindRole);
        item->setData(function, DeployedModel::FunctionRole);
        if (!qualifier.isEmpty())
            item->setData(qualifier, DeployedModel::QualifierRole);
    }
    if (!value.isEmpty())
        second->setToolTip(value);
    return {first, second};
}

QList<QStandardItem *> section(const QString &title, int count, const QString &function) {
    auto items = row(title, count < 0 ? QString() : QString::number(count),
                     DeployedModel::Kind::Section, function);
    QFont bold = items[0]->font();
    bold.setBold(true);
    items[0]->setFont(bold);
    return items;
}

// "2024-01-31T12:00:00.000+0000" in the user's words and time zone.
QString when(const std::string &lastModified) {
    QString text = q(lastModified);
    text.replace(QRegularExpression("([+-]\\d\\d)(\\d\\d)$"), "\\1:\\2");
    const QDateTime t = QDateTime::fromString(text, Qt::ISODateWithMs);
    return t.isValid() ? QLocale().toString(t.toLocalTime(), QLocale::ShortFormat)
                       : q(lastModified);
}

QString summaryOf(const lambda::FunctionConfiguration &c) {
    return QStringLiteral("%1 · %2 MB · %3 s").arg(q(c.runtime)).arg(c.memorySize).arg(c.timeout);
}

} // namespace

DeployedModel::DeployedModel(QObject *parent)
    : QStandardItemModel(0, 2, parent) {
    setHorizontalHeaderLabels({tr("Name"), tr("Value")});
}

QString DeployedModel::commitOf(const lambda::FunctionConfiguration &version,
                                const lambda::FunctionConfiguration &latest,
                                const lambda::Tags &tags) {
    // A version keeps the "(git …)" mark of the description it was published with; the
    // function's tags name the commit of its latest deploy, which is also the commit of a
    // version with the same code.
    static const QRegularExpression mark("\\(git ([0-9a-f]{7,40})");
    if (const auto m = mark.match(q(version.description)); m.hasMatch())
        return m.captured(1);
    if (version.version == "$LATEST" || version.codeSha256 == latest.codeSha256)
        if (const auto it = tags.find("nimbus:commit"); it != tags.end())
            return q(it->second);
    return {};
}

QString DeployedModel::trafficSplit(const lambda::AliasConfiguration &alias) {
    double others = 0;
    for (const auto &[version, weight] : alias.weights)
        others += weight;
    auto percent = [](double share) { return QString::number(qRound(share * 1000) / 10.0) + "%"; };
    QString text = percent(1.0 - others) + " v" + q(alias.functionVersion);
    for (const auto &[version, weight] : alias.weights)
        text += " / " + percent(weight) + " v" + q(version);
    return text;
}

void DeployedModel::setFunctions(const std::vector<lambda::FunctionConfiguration> &functions,
                                 bool append, bool more) {
    if (!append) {
        removeRows(0, rowCount());
        m_configs.clear();
        m_details.clear();
        m_comparisons.clear();
    } else if (rowCount() > 0 &&
               item(rowCount() - 1)->data(KindRole).value<Kind>() == Kind::LoadMore) {
        removeRow(rowCount() - 1);
    }
    for (const auto &config : functions) {
        const QString name = q(config.functionName);
        if (m_configs.count(name))
            continue;
        m_configs[name] = config;
        auto items = row(name, summaryOf(config), Kind::Function, name);
        items[0]->setData(false, LoadedRole);
        appendRow(items);
        updateSummary(name);
        fillConfiguration(items[0], name);
    }
    if (more)
        appendRow(row(tr("Load more…"), tr("the endpoint has more functions"), Kind::LoadMore, {}));
}

QStandardItem *DeployedModel::functionItem(const QString &function) const {
    for (int i = 0; i < rowCount(); ++i)
        if (item(i)->data(KindRole).value<Kind>() == Kind::Function && item(i)->text() == function)
            return item(i);
    return nullptr;
}

QModelIndex DeployedModel::functionIndex(const QString &function) const {
    const QStandardItem *it = functionItem(function);
    return it ? it->index() : QModelIndex();
}

QStringList DeployedModel::functionNames() const {
    QStringList out;
    for (const auto &[name, config] : m_configs)
        out.append(name);
    return out;
}

const lambda::FunctionConfiguration *DeployedModel::configuration(const QString &function) const {
    const auto it = m_configs.find(function);
    return it == m_configs.end() ? nullptr : &it->second;
}

const FunctionDetails *DeployedModel::details(const QString &function) const {
    const auto it = m_details.find(function);
    return it == m_details.end() ? nullptr : &it->second;
}

void DeployedModel::setDetails(const QString &function, const FunctionDetails &details) {
    if (!m_configs.count(function))
        return;
    m_details[function] = details;
    if (QStandardItem *fn = functionItem(function)) {
        fn->setData(true, LoadedRole);
        fillConfiguration(fn, function);
    }
}

void DeployedModel::setDetailsError(const QString &function, const QString &error) {
    QStandardItem *fn = functionItem(function);
    if (!fn)
        return;
    for (int i = fn->rowCount() - 1; i >= 0; --i)
        if (fn->child(i)->data(KindRole).value<Kind>() == Kind::Placeholder)
            fn->removeRow(i);
    auto items = row(tr("Cannot read versions and aliases"), error, Kind::Placeholder, function);
    items[1]->setForeground(QBrush(Qt::red));
    fn->appendRow(items);
}

void DeployedModel::setComparison(const QString &function,
                                  const std::optional<LocalComparison> &comparison) {
    if (!m_configs.count(function))
        return;
    m_comparisons[function] = comparison;
    updateSummary(function);
    if (QStandardItem *fn = functionItem(function))
        fillConfiguration(fn, function);
}

void DeployedModel::setValuesRevealed(const QString &function, bool revealed) {
    if (revealed)
        m_revealed.insert(function);
    else
        m_revealed.remove(function);
    if (QStandardItem *fn = functionItem(function))
        fillConfiguration(fn, function);
}

void DeployedModel::updateSummary(const QString &function) {
    QStandardItem *fn = functionItem(function);
    if (!fn)
        return;
    QStandardItem *value = item(fn->row(), 1);
    QString text = summaryOf(m_configs[function]);
    const auto it = m_comparisons.find(function);
    QString tip;
    value->setForeground(QBrush());
    if (it != m_comparisons.end() && it->second) {
        const auto &differences = it->second->differences;
        // The state first: the column is narrow and the figures matter less.
        if (differences.empty()) {
            text = tr("in sync · %1").arg(text);
            tip = tr("The same code and configuration as '%1' in the project's manifest");
        } else {
            QStringList fields;
            for (const auto &d : differences)
                fields << q(d.field);
            text = tr("differs: %1 · %2").arg(fields.join(", "), text);
            value->setForeground(QBrush(QColor(0xb0, 0x60, 0x00)));
            tip = tr("Deploy to bring '%1' of the project's manifest here");
        }
        tip = tip.arg(it->second->manifestName);
    } else if (it != m_comparisons.end()) {
        tip = tr("Not a function of this project");
    }
    value->setText(text);
    value->setToolTip(tip.isEmpty() ? text : text + "\n" + tip);
}

void DeployedModel::fillConfiguration(QStandardItem *fn, const QString &function) {
    fn->removeRows(0, fn->rowCount());
    const lambda::FunctionConfiguration &c = m_configs[function];
    const auto details = m_details.find(function);
    const lambda::Tags noTags;
    const lambda::Tags &tags = details == m_details.end() ? noTags : details->second.tags;

    auto config = section(tr("Configuration"), -1, function);
    auto field = [&](const QString &name, const QString &value, const QString &commit = {}) {
        auto items = row(name, value, Kind::Field, function);
        if (!commit.isEmpty())
            for (auto *i : items)
                i->setData(commit, CommitRole);
        config[0]->appendRow(items);
    };
    field(tr("Runtime"), q(c.runtime));
    field(tr("Handler"), q(c.handler));
    field(tr("Memory"), tr("%1 MB").arg(c.memorySize));
    field(tr("Timeout"), tr("%1 s").arg(c.timeout));
    field(tr("Code size"), tr("%1 bytes").arg(QLocale().toString(c.codeSize)));
    field(tr("SHA-256"), q(c.codeSha256));
    field(tr("Last modified"), when(c.lastModified));
    if (!c.description.empty())
        field(tr("Description"), q(c.description));
    if (c.state != "Active" || c.lastUpdateStatus != "Successful")
        field(tr("State"), q(c.state) + " / " + q(c.lastUpdateStatus));
    const QString commit = commitOf(c, c, tags);
    if (!commit.isEmpty()) {
        QString text = commit;
        if (const auto b = tags.find("nimbus:branch"); b != tags.end())
            text += tr(" on %1").arg(q(b->second));
        if (const auto d = tags.find("nimbus:dirty"); d != tags.end() && d->second == "true")
            text += tr(", with uncommitted changes");
        field(tr("Git commit"), text, commit);
    } else if (details != m_details.end()) {
        field(tr("Git commit"), tr("not recorded (deployed without nimbus, or outside git)"));
    }
    auto env = section(tr("Environment"), int(c.environment.size()), function);
    const bool revealed = m_revealed.contains(function);
    for (const auto &[key, value] : c.environment) {
        auto items = row(q(key), revealed ? q(value) : QString(kMask), Kind::Environment, function);
        items[1]->setData(q(value), SecretRole);
        if (!revealed)
            items[1]->setToolTip(tr("Hidden: choose Reveal Values to show"));
        env[0]->appendRow(items);
    }
    config[0]->appendRow(env);
    fn->appendRow(config);

    const auto comparison = m_comparisons.find(function);
    if (comparison != m_comparisons.end() && comparison->second &&
        !comparison->second->differences.empty()) {
        const auto &differences = comparison->second->differences;
        auto diff = section(tr("Differences from the project"), int(differences.size()), function);
        for (const auto &d : differences) {
            QString value;
            if (d.field == "code")
                value = tr("the project's code has changed since this deploy");
            else if (d.field == "environment")
                value = q(d.local);
            else
                value = tr("%1 here, %2 deployed")
                            .arg(d.local.empty() ? tr("(none)") : q(d.local),
                                 d.deployed.empty() ? tr("(none)") : q(d.deployed));
            diff[0]->appendRow(row(q(d.field), value, Kind::Difference, function));
        }
        fn->appendRow(diff);
    }

    if (details == m_details.end()) {
        fn->appendRow(
            row(tr("Loading versions, aliases and tags…"), {}, Kind::Placeholder, function));
        return;
    }
    const FunctionDetails &d = details->second;
    auto versions = section(tr("Versions"), int(d.versions.size()), function);
    for (auto it = d.versions.rbegin(); it != d.versions.rend(); ++it) {
        const QString commitId = commitOf(*it, c, tags);
        QStringList parts;
        if (!it->description.empty())
            parts << q(it->description);
        parts << when(it->lastModified);
        if (!commitId.isEmpty() && !q(it->description).contains(commitId))
            parts << tr("git %1").arg(commitId);
        auto items = row(tr("Version %1").arg(q(it->version)), parts.join(" · "), Kind::Version,
                         function, q(it->version));
        if (!commitId.isEmpty())
            for (auto *i : items)
                i->setData(commitId, CommitRole);
        versions[0]->appendRow(items);
    }
    fn->appendRow(versions);
    auto aliases = section(tr("Aliases"), int(d.aliases.size()), function);
    for (const auto &a : d.aliases) {
        QString value = trafficSplit(a);
        if (!a.description.empty())
            value += " · " + q(a.description);
        aliases[0]->appendRow(row(q(a.name), value, Kind::Alias, function, q(a.name)));
    }
    fn->appendRow(aliases);
    auto concurrency =
        row(tr("Reserved concurrency"),
            d.reservedConcurrency ? QString::number(*d.reservedConcurrency) : tr("none"),
            Kind::Concurrency, function);
    concurrency[1]->setToolTip(d.reservedConcurrency
                                   ? tr("Reserved for this function, and its limit")
                                   : tr("None reserved: it shares the account's unreserved pool"));
    fn->appendRow(concurrency);
    auto tagSection = section(tr("Tags"), int(d.tags.size()), function);
    for (const auto &[key, value] : d.tags)
        tagSection[0]->appendRow(row(q(key), q(value), Kind::Field, function));
    fn->appendRow(tagSection);
}

bool DeployedFilterModel::filterAcceptsRow(int row, const QModelIndex &parent) const {
    if (parent.isValid())
        return true;
    const QModelIndex index = sourceModel()->index(row, kNameColumn, parent);
    const auto kind = index.data(DeployedModel::KindRole).value<DeployedModel::Kind>();
    if (kind != DeployedModel::Kind::Function)
        return true;
    return index.data().toString().contains(filterRegularExpression());
}

} // namespace nimbus::studio
