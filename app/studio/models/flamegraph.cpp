#include "flamegraph.h"

#include <QFile>
#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QObject>
#include <algorithm>

namespace nimbus::studio {

namespace {

// How many microseconds one unit of a profile's weights is ("none" and "bytes" are taken
// as they are: the graph's proportions still hold).
double microsecondsPer(const QString &unit) {
    if (unit == "nanoseconds")
        return 0.001;
    if (unit == "milliseconds")
        return 1000.0;
    if (unit == "seconds")
        return 1e6;
    return 1.0;
}

} // namespace

QString formatProfileTime(double us) {
    if (us < 1000)
        return QStringLiteral("%1 µs").arg(us, 0, 'f', 0);
    const double ms = us / 1000.0;
    if (ms < 100)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', ms < 10 ? 2 : 1);
    if (ms < 1000)
        return QStringLiteral("%1 ms").arg(ms, 0, 'f', 0);
    return QStringLiteral("%1 s").arg(ms / 1000.0, 0, 'f', 2);
}

FlameGraph FlameGraph::load(const QString &path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        FlameGraph graph;
        graph.m_error = QObject::tr("Cannot read %1: %2").arg(path, file.errorString());
        return graph;
    }
    const QByteArray text = file.readAll();
    if (text.trimmed().isEmpty()) {
        FlameGraph graph;
        graph.m_error =
            QObject::tr("%1 is empty: a profile in speedscope's format was expected").arg(path);
        return graph;
    }
    FlameGraph graph = fromSpeedscope(text);
    if (!graph.isValid())
        graph.m_error = QObject::tr("%1: %2").arg(path, graph.m_error);
    return graph;
}

struct FlameGraph::Merge {
    QList<HotFrame> hot;       // per frame of the file
    QList<qint64> lastSample;  // per frame: the last sample its total counted
    QHash<quint64, int> nodes; // (parent node << 32 | frame) -> node
    qint64 frameCount = 0;
};

FlameGraph FlameGraph::fromSpeedscope(const QByteArray &json) {
    FlameGraph graph;
    auto fail = [&graph](const QString &error) {
        graph.m_error = error;
        graph.m_nodes.clear();
        graph.m_hot.clear();
        return graph;
    };
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return fail(QObject::tr("not JSON (%1 at byte %2)")
                        .arg(parseError.errorString())
                        .arg(parseError.offset));
    if (!document.isObject())
        return fail(QObject::tr("not a speedscope profile: the file holds no JSON object"));
    const QJsonObject root = document.object();
    const QJsonValue shared = root.value("shared");
    const QJsonValue profiles = root.value("profiles");
    if (!shared.isObject() || !shared.toObject().value("frames").isArray() || !profiles.isArray())
        return fail(
            QObject::tr("not a speedscope profile: it has no \"shared.frames\" and "
                        "\"profiles\" (see https://www.speedscope.app/file-format-schema.json)"));
    const QJsonArray frames = shared.toObject().value("frames").toArray();
    graph.m_name = root.value("name").toString();

    Node top;
    top.name = QObject::tr("all"); // every sample (the document's name is in name())
    graph.m_nodes.append(top);
    Merge merge;
    merge.frameCount = frames.size();
    merge.hot.resize(frames.size());
    merge.lastSample.fill(-1, frames.size());
    for (int i = 0; i < frames.size(); ++i) {
        const QJsonObject f = frames[i].toObject();
        merge.hot[i].frame = i;
        merge.hot[i].name = f.value("name").toString(QObject::tr("(anonymous)"));
        merge.hot[i].file = f.value("file").toString();
        merge.hot[i].line = f.value("line").toInt();
    }
    const QJsonArray list = profiles.toArray();
    graph.m_profileCount = static_cast<int>(list.size());
    for (int p = 0; p < list.size(); ++p) {
        const QString error =
            graph.addProfile(list[p].toObject(), QStringLiteral("profiles[%1]").arg(p), merge);
        if (!error.isEmpty())
            return fail(error);
    }
    graph.finish(merge);
    return graph;
}

QString FlameGraph::addProfile(const QJsonObject &profile, const QString &where, Merge &merge) {
    const QString type = profile.value("type").toString();
    if (type != "sampled")
        return QObject::tr("%1 is of type \"%2\": only sampled profiles are shown")
            .arg(where, type);
    const QJsonArray samples = profile.value("samples").toArray();
    const QJsonArray weights = profile.value("weights").toArray();
    if (weights.size() != samples.size())
        return QObject::tr("%1 has %2 samples but %3 weights")
            .arg(where)
            .arg(samples.size())
            .arg(weights.size());
    const double scale = microsecondsPer(profile.value("unit").toString());
    for (int s = 0; s < samples.size(); ++s) {
        const double weight = weights[s].toDouble() * scale;
        if (weight < 0)
            return QObject::tr("%1.weights[%2] is negative").arg(where).arg(s);
        const QString error = addSample(samples[s].toArray(), weight, merge);
        if (!error.isEmpty())
            return QObject::tr("%1.samples[%2] %3").arg(where).arg(s).arg(error);
    }
    return {};
}

QString FlameGraph::addSample(const QJsonArray &stack, double weightUs, Merge &merge) {
    const qint64 sample = m_sampleCount++;
    int at = 0;
    m_nodes[0].totalUs += weightUs;
    for (const auto &entry : stack) {
        const int frame = entry.toInt(-1);
        if (frame < 0 || frame >= merge.frameCount)
            return QObject::tr("names frame %1, but there are %2 frames")
                .arg(entry.toVariant().toString())
                .arg(merge.frameCount);
        at = childOf(at, frame, merge);
        m_nodes[at].totalUs += weightUs;
        // A recursive frame is on the stack once as far as its total goes.
        if (merge.lastSample[frame] != sample) {
            merge.lastSample[frame] = sample;
            merge.hot[frame].totalUs += weightUs;
        }
    }
    m_nodes[at].selfUs += weightUs;
    if (at > 0)
        merge.hot[m_nodes[at].frame].selfUs += weightUs;
    return {};
}

int FlameGraph::childOf(int parent, int frame, Merge &merge) {
    const quint64 key = (static_cast<quint64>(parent) << 32) | static_cast<quint32>(frame);
    if (const auto found = merge.nodes.constFind(key); found != merge.nodes.constEnd())
        return *found;
    Node n;
    n.name = merge.hot[frame].name;
    n.file = merge.hot[frame].file;
    n.line = merge.hot[frame].line;
    n.frame = frame;
    n.parent = parent;
    n.depth = m_nodes[parent].depth + 1;
    m_maxDepth = std::max(m_maxDepth, n.depth);
    const int child = static_cast<int>(m_nodes.size());
    m_nodes.append(n);
    m_nodes[parent].children.append(child);
    merge.nodes.insert(key, child);
    return child;
}

void FlameGraph::finish(Merge &merge) {
    for (Node &n : m_nodes)
        std::stable_sort(n.children.begin(), n.children.end(),
                         [this](int a, int b) { return m_nodes[a].totalUs > m_nodes[b].totalUs; });
    for (const HotFrame &h : std::as_const(merge.hot))
        if (h.totalUs > 0)
            m_hot.append(h);
    std::stable_sort(m_hot.begin(), m_hot.end(),
                     [](const HotFrame &a, const HotFrame &b) { return a.selfUs > b.selfUs; });
}

QList<int> FlameGraph::pathTo(int index) const {
    QList<int> path;
    for (int n = index; n >= 0 && n < m_nodes.size(); n = m_nodes[n].parent)
        path.prepend(n);
    return path;
}

QList<FlameGraph::Box> FlameGraph::boxes(int focus, double width, double minWidth) const {
    QList<Box> out;
    if (m_nodes.isEmpty() || focus < 0 || focus >= m_nodes.size() || width <= 0)
        return out;
    for (int n : pathTo(focus))
        out.append({n, 0.0, width, m_nodes[n].depth, n != focus});
    const double focusTotal = m_nodes[focus].totalUs;
    if (focusTotal <= 0)
        return out;
    const double scale = width / focusTotal;
    // Depth first, children left to right (heaviest first).
    struct Pending {
        int node;
        double x;
    };
    QList<Pending> stack{{focus, 0.0}};
    while (!stack.isEmpty()) {
        const Pending p = stack.takeLast();
        double x = p.x;
        QList<Pending> children;
        for (int child : m_nodes[p.node].children) {
            const double w = m_nodes[child].totalUs * scale;
            if (w >= minWidth) {
                out.append({child, x, w, m_nodes[child].depth, false});
                children.append({child, x});
            }
            x += w;
        }
        for (auto it = children.rbegin(); it != children.rend(); ++it)
            stack.append(*it);
    }
    return out;
}

// ---- HotFramesModel ---------------------------------------------------------------------

HotFramesModel::HotFramesModel(QObject *parent)
    : QAbstractTableModel(parent) {}

void HotFramesModel::setGraph(const FlameGraph &graph, const QString &projectDir) {
    beginResetModel();
    m_frames = graph.hotFrames();
    m_totalUs = graph.totalUs();
    m_projectDir = projectDir;
    endResetModel();
}

int HotFramesModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_frames.size());
}

int HotFramesModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant HotFramesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid() || index.row() >= m_frames.size())
        return {};
    const FlameGraph::HotFrame &f = m_frames[index.row()];
    auto percent = [this](double us) { return m_totalUs > 0 ? 100.0 * us / m_totalUs : 0.0; };
    if (role == FrameRole)
        return f.frame;
    if (role == SortRole) {
        switch (index.column()) {
        case SelfColumn:
        case SelfPercentColumn:
            return f.selfUs;
        case TotalColumn:
        case TotalPercentColumn:
            return f.totalUs;
        case FunctionColumn:
            return f.name.toLower();
        case LocationColumn:
            return f.file + QStringLiteral(":%1").arg(f.line, 8, 10, QChar('0'));
        default:
            return {};
        }
    }
    if (role == Qt::DisplayRole || role == Qt::AccessibleTextRole) {
        switch (index.column()) {
        case SelfColumn:
            return formatProfileTime(f.selfUs);
        case SelfPercentColumn:
            return QStringLiteral("%1%").arg(percent(f.selfUs), 0, 'f', 1);
        case TotalColumn:
            return formatProfileTime(f.totalUs);
        case TotalPercentColumn:
            return QStringLiteral("%1%").arg(percent(f.totalUs), 0, 'f', 1);
        case FunctionColumn:
            return f.name;
        case LocationColumn: {
            if (f.file.isEmpty())
                return QString();
            const QString file = !m_projectDir.isEmpty() && f.file.startsWith(m_projectDir + "/")
                                     ? f.file.mid(m_projectDir.size() + 1)
                                     : f.file;
            return f.line > 0 ? file + ":" + QString::number(f.line) : file;
        }
        default:
            return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() < FunctionColumn)
        return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == Qt::ToolTipRole && index.column() == LocationColumn)
        return f.file;
    return {};
}

QVariant HotFramesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case SelfColumn:
        return tr("Self");
    case SelfPercentColumn:
        return tr("Self %");
    case TotalColumn:
        return tr("Total");
    case TotalPercentColumn:
        return tr("Total %");
    case FunctionColumn:
        return tr("Function");
    case LocationColumn:
        return tr("Location");
    default:
        return {};
    }
}

} // namespace nimbus::studio
