#pragma once

#include <QAbstractTableModel>
#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace nimbus::studio {

// A sampled profile in speedscope's file format (what `nimbus profile` writes) merged into
// one call tree for a flame graph: every profile's stacks, root first, summed by path, so
// a node's width is the time spent in it and under it. Also the frames by their own time,
// for the "top" table. Nothing here draws.
class FlameGraph {
public:
    struct Node {
        QString name;
        QString file;
        int line = 0;
        int frame = -1;  // index in the file's shared frames; -1 for the root
        int parent = -1; // -1 for the root
        int depth = 0;   // the root is 0, its children 1
        double totalUs = 0;
        double selfUs = 0;
        QList<int> children; // heaviest first
    };
    // A frame's own time (at the top of the stack) and its time on the stack at all (counted
    // once per sample, so recursion does not count twice).
    struct HotFrame {
        int frame = -1; // index in the file's shared frames
        QString name;
        QString file;
        int line = 0;
        double selfUs = 0;
        double totalUs = 0;
    };

    // Reads speedscope's JSON; on failure isValid() is false and error() says what is wrong
    // ("profiles[0].samples[3] names frame 9, but there are 4 frames").
    static FlameGraph fromSpeedscope(const QByteArray &json);
    // Reads a file; errors name it.
    static FlameGraph load(const QString &path);

    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    // No samples at all (a valid file whose function ran too briefly to be sampled).
    bool isEmpty() const { return m_nodes.isEmpty() || m_nodes.first().totalUs <= 0; }

    QString name() const { return m_name; } // the document's name ("checkout")
    int profileCount() const { return m_profileCount; }
    qint64 sampleCount() const { return m_sampleCount; }
    double totalUs() const { return m_nodes.isEmpty() ? 0 : m_nodes.first().totalUs; }
    // Node 0 is the root ("all"), standing for every sample.
    const QList<Node> &nodes() const { return m_nodes; }
    const Node &node(int index) const { return m_nodes[index]; }
    int maxDepth() const { return m_maxDepth; }
    // The chain from the root down to `index`, the root first.
    QList<int> pathTo(int index) const;

    // Frames by self time, heaviest first.
    const QList<HotFrame> &hotFrames() const { return m_hot; }

    // Where a node goes in an icicle graph (the root on top) zoomed on `focus`: `focus` and
    // its ancestors span the whole width, its descendants their share of it, each row one
    // level deeper. In the units of `width`.
    struct Box {
        int node = 0;
        double x = 0;
        double width = 0;
        int depth = 0;
        bool ancestor = false; // above the focus (drawn dimmed; a click zooms out to it)
    };
    // Boxes narrower than `minWidth` are left out, with everything under them.
    QList<Box> boxes(int focus, double width, double minWidth) const;

private:
    struct Merge; // running totals while samples are added
    QString addProfile(const QJsonObject &profile, const QString &where, Merge &merge);
    // Adds one sample's stack (root first); the reason when it names a frame not in the file.
    QString addSample(const QJsonArray &stack, double weightUs, Merge &merge);
    int childOf(int parent, int frame, Merge &merge);
    void finish(Merge &merge);

    QString m_error;
    QString m_name;
    int m_profileCount = 0;
    qint64 m_sampleCount = 0;
    int m_maxDepth = 0;
    QList<Node> m_nodes;
    QList<HotFrame> m_hot;
};

// "12.3 ms", "850 µs", "1.20 s".
QString formatProfileTime(double us);

// The "top" table beside a flame graph: frames by their own time.
class HotFramesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        SelfColumn,
        SelfPercentColumn,
        TotalColumn,
        TotalPercentColumn,
        FunctionColumn,
        LocationColumn,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int FrameRole = Qt::UserRole + 2; // the frame's index in the file

    explicit HotFramesModel(QObject *parent = nullptr);

    // `projectDir`: files under it are shown relative to it.
    void setGraph(const FlameGraph &graph, const QString &projectDir);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QList<FlameGraph::HotFrame> m_frames;
    double m_totalUs = 0;
    QString m_projectDir;
};

} // namespace nimbus::studio
