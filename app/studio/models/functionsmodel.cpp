#include "functionsmodel.h"

#include <QBrush>
#include <QColor>
#include <QJsonObject>

namespace nimbus::studio {

QString kindTitle(const QString &kind) {
    if (kind == "http")
        return QObject::tr("HTTP functions");
    if (kind == "service")
        return QObject::tr("HTTP services");
    return QObject::tr("Event functions");
}

FunctionsModel::FunctionsModel(QObject *parent)
    : QStandardItemModel(parent) {
    setHorizontalHeaderLabels({tr("Function"), tr("Runtime")});
}

void FunctionsModel::setFunctions(const QJsonArray &functions) {
    m_functions = functions;
    clear();
    setHorizontalHeaderLabels({tr("Function"), tr("Runtime")});
    for (const QString kind : {"event", "http", "service"}) {
        QList<QJsonObject> members;
        for (const auto &f : functions)
            if (f.toObject().value("kind").toString("event") == kind)
                members.append(f.toObject());
        if (members.isEmpty())
            continue;
        auto *group =
            new QStandardItem(kindTitle(kind) + QStringLiteral(" (%1)").arg(members.size()));
        group->setData(kind, KindRole);
        group->setEditable(false);
        group->setSelectable(false);
        auto *groupRuntime = new QStandardItem();
        groupRuntime->setEditable(false);
        for (const QJsonObject &f : members) {
            const QString name = f.value("name").toString();
            auto *item = new QStandardItem(name);
            item->setEditable(false);
            item->setData(name, FunctionNameRole);
            item->setData(kind, KindRole);
            const QJsonObject definition = f.value("definition").toObject();
            item->setData(definition.value("file").toString(), DefinitionFileRole);
            item->setData(definition.value("line").toInt(), DefinitionLineRole);
            const QJsonObject manifest = f.value("manifest").toObject();
            item->setData(manifest.value("file").toString(), ManifestFileRole);
            item->setData(manifest.value("line").toInt(), ManifestLineRole);
            item->setData(f.value("routes").toArray(), RoutesRole);
            item->setToolTip(tr("%1 — handler %2, %3 MB, %4 s timeout")
                                 .arg(name, f.value("handler").toString())
                                 .arg(f.value("memorySize").toInt())
                                 .arg(f.value("timeout").toInt()));
            auto *runtime = new QStandardItem(f.value("runtime").toString());
            runtime->setEditable(false);
            runtime->setData(name, FunctionNameRole);
            auto detail = [&](const QString &text) {
                auto *row = new QStandardItem(text);
                row->setEditable(false);
                row->setData(name, FunctionNameRole);
                row->setData(kind, KindRole);
                row->setData(item->data(DefinitionFileRole), DefinitionFileRole);
                row->setData(item->data(DefinitionLineRole), DefinitionLineRole);
                row->setData(item->data(ManifestFileRole), ManifestFileRole);
                row->setData(item->data(ManifestLineRole), ManifestLineRole);
                auto *blank = new QStandardItem();
                blank->setEditable(false);
                item->appendRow({row, blank});
            };
            detail(tr("handler: %1").arg(f.value("handler").toString()));
            for (const auto &event : f.value("events").toArray())
                detail(tr("event: %1").arg(event.toString()));
            // Its third-party packages, as the simulator (or nimbus package) installed them.
            if (const QJsonObject deps = f.value("dependencies").toObject(); !deps.isEmpty()) {
                const QString state = deps.value("state").toString();
                const QString message = deps.value("message").toString();
                detail(tr("dependencies: %1 — %2")
                           .arg(deps.value("file").toString(),
                                state == "failed" ? tr("install failed") : state));
                QStandardItem *row = item->child(item->rowCount() - 1);
                row->setData(state, DependencyStateRole);
                row->setToolTip(
                    state == "failed" ? tr("%1 could not install %2:\n%3")
                                            .arg(deps.value("tool").toString(),
                                                 deps.value("file").toString(), message)
                    : state == "installed"
                        ? tr("Installed with %1 into %2")
                              .arg(deps.value("tool").toString(), deps.value("folder").toString())
                    : state == "installing"
                        ? tr("%1 is installing them now").arg(deps.value("tool").toString())
                        : tr("The simulator installs them when it starts; nimbus package "
                             "when it packages"));
                if (state == "failed")
                    row->setForeground(QBrush(QColor(0xc0, 0x1c, 0x28)));
            }
            for (const auto &layer : f.value("layers").toArray()) {
                const QJsonObject l = layer.toObject();
                detail(l.contains("arn") ? tr("layer: %1").arg(l.value("arn").toString())
                                         : tr("layer: %1").arg(l.value("name").toString()));
                item->child(item->rowCount() - 1)
                    ->setToolTip(l.contains("arn") ? tr("A layer version published to the "
                                                        "simulator's control plane")
                                                   : l.value("path").toString());
            }
            group->appendRow({item, runtime});
        }
        appendRow({group, groupRuntime});
    }
    emit functionsChanged();
}

QJsonObject FunctionsModel::function(const QString &name) const {
    for (const auto &f : m_functions)
        if (f.toObject().value("name").toString() == name)
            return f.toObject();
    return {};
}

QStringList FunctionsModel::names(const QString &kind) const {
    QStringList out;
    for (const auto &f : m_functions)
        if (kind.isEmpty() || f.toObject().value("kind").toString() == kind)
            out.append(f.toObject().value("name").toString());
    return out;
}

QModelIndex FunctionsModel::indexOf(const QString &name) const {
    for (int g = 0; g < rowCount(); ++g) {
        const QModelIndex group = index(g, 0);
        for (int r = 0; r < rowCount(group); ++r) {
            const QModelIndex i = index(r, 0, group);
            if (i.data(FunctionNameRole).toString() == name)
                return i;
        }
    }
    return {};
}

} // namespace nimbus::studio
