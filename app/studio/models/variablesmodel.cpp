#include "variablesmodel.h"

#include "clients/debugsession.h"

#include <QColor>
#include <QFont>

namespace nimbus::studio {

struct VariablesModel::Node {
    QString name;
    QString value;
    QString type;
    QString error;
    int reference = 0;  // its children, when > 0
    int container = 0;  // the reference of the variables it belongs to (for setVariable)
    int indexed = 0;    // indexed children, for paging
    int start = -1;     // a page: its first index
    int count = 0;      // a page: how many
    bool fetched = false;
    bool fetching = false;
    bool scope = false;
    Node *parent = nullptr;
    std::vector<std::unique_ptr<Node>> children;

    int row() const {
        if (!parent)
            return 0;
        for (std::size_t i = 0; i < parent->children.size(); ++i)
            if (parent->children[i].get() == this)
                return static_cast<int>(i);
        return 0;
    }
};

VariablesModel::VariablesModel(DebugSession *session, QObject *parent)
    : QAbstractItemModel(parent)
    , m_session(session)
    , m_root(std::make_unique<Node>()) {
    m_root->fetched = true;
}

VariablesModel::~VariablesModel() = default;

void VariablesModel::clear() {
    beginResetModel();
    ++m_generation;
    m_root = std::make_unique<Node>();
    m_root->fetched = true;
    endResetModel();
}

void VariablesModel::setScopes(const QJsonArray &scopes) {
    beginResetModel();
    ++m_generation;
    m_root = std::make_unique<Node>();
    m_root->fetched = true;
    for (const auto &s : scopes) {
        const QJsonObject scope = s.toObject();
        auto node = std::make_unique<Node>();
        node->name = scope.value("name").toString();
        node->reference = scope.value("variablesReference").toInt();
        node->indexed = scope.value("indexedVariables").toInt();
        node->scope = true;
        node->parent = m_root.get();
        m_root->children.push_back(std::move(node));
    }
    endResetModel();
}

void VariablesModel::setWatches(const QList<Watch> &watches) {
    beginResetModel();
    ++m_generation;
    m_root = std::make_unique<Node>();
    m_root->fetched = true;
    for (const Watch &w : watches) {
        auto node = std::make_unique<Node>();
        node->name = w.expression;
        node->error = w.error;
        node->value = w.error.isEmpty() ? w.result.value("result").toString() : w.error;
        node->type = w.result.value("type").toString();
        node->reference = w.result.value("variablesReference").toInt();
        node->indexed = w.result.value("indexedVariables").toInt();
        node->parent = m_root.get();
        m_root->children.push_back(std::move(node));
    }
    endResetModel();
}

VariablesModel::Node *VariablesModel::nodeOf(const QModelIndex &index) const {
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex VariablesModel::indexOf(Node *node, int column) const {
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row(), column, node);
}

QModelIndex VariablesModel::index(int row, int column, const QModelIndex &parent) const {
    Node *p = nodeOf(parent);
    if (row < 0 || column < 0 || column >= ColumnCount || row >= static_cast<int>(p->children.size()))
        return {};
    return createIndex(row, column, p->children[static_cast<std::size_t>(row)].get());
}

QModelIndex VariablesModel::parent(const QModelIndex &child) const {
    if (!child.isValid())
        return {};
    return indexOf(nodeOf(child)->parent);
}

int VariablesModel::rowCount(const QModelIndex &parent) const {
    if (parent.column() > 0)
        return 0;
    return static_cast<int>(nodeOf(parent)->children.size());
}

int VariablesModel::columnCount(const QModelIndex &) const { return ColumnCount; }

bool VariablesModel::hasChildren(const QModelIndex &parent) const {
    const Node *n = nodeOf(parent);
    return n == m_root.get() ? !n->children.empty()
                             : (n->reference > 0 && (!n->fetched || !n->children.empty()));
}

bool VariablesModel::canFetchMore(const QModelIndex &parent) const {
    const Node *n = nodeOf(parent);
    return n != m_root.get() && n->reference > 0 && !n->fetched && !n->fetching;
}

void VariablesModel::fetchMore(const QModelIndex &parent) {
    Node *n = nodeOf(parent);
    if (!canFetchMore(parent) || !m_session)
        return;
    // A large collection: pages first, each fetched when it is opened.
    if (n->start < 0 && n->indexed > kPageSize) {
        n->fetched = true;
        const int pages = (n->indexed + kPageSize - 1) / kPageSize;
        beginInsertRows(parent, 0, pages - 1);
        for (int p = 0; p < pages; ++p) {
            auto page = std::make_unique<Node>();
            page->start = p * kPageSize;
            page->count = std::min(kPageSize, n->indexed - page->start);
            page->name = QStringLiteral("[%1…%2]").arg(page->start).arg(page->start + page->count - 1);
            page->reference = n->reference;
            page->parent = n;
            n->children.push_back(std::move(page));
        }
        endInsertRows();
        return;
    }
    n->fetching = true;
    const int generation = m_generation;
    m_session->variables(n->reference, std::max(0, n->start), n->count,
                         [this, n, generation](const QJsonObject &body, const QString &error) {
                             if (generation != m_generation)
                                 return; // the tree was replaced meanwhile: n is gone
                             n->fetching = false;
                             n->fetched = true;
                             if (!error.isEmpty()) {
                                 emit message(tr("Variables: %1").arg(error));
                                 return;
                             }
                             addVariables(n, body.value("variables").toArray());
                         });
}

std::unique_ptr<VariablesModel::Node> VariablesModel::makeNode(const QJsonObject &variable, Node *parent) {
    auto node = std::make_unique<Node>();
    node->name = variable.value("name").toString();
    node->value = variable.value("value").toString();
    node->type = variable.value("type").toString();
    node->reference = variable.value("variablesReference").toInt();
    node->indexed = variable.value("indexedVariables").toInt();
    node->container = parent->reference;
    node->parent = parent;
    return node;
}

void VariablesModel::addVariables(Node *parent, const QJsonArray &variables) {
    if (variables.isEmpty()) {
        // Nothing inside after all: the expander goes.
        const QModelIndex index = indexOf(parent);
        emit dataChanged(index, index.siblingAtColumn(ColumnCount - 1));
        return;
    }
    const int first = static_cast<int>(parent->children.size());
    beginInsertRows(indexOf(parent), first, first + static_cast<int>(variables.size()) - 1);
    for (const auto &v : variables)
        parent->children.push_back(makeNode(v.toObject(), parent));
    endInsertRows();
}

QVariant VariablesModel::data(const QModelIndex &index, int role) const {
    if (!index.isValid())
        return {};
    const Node *n = nodeOf(index);
    if (role == Qt::DisplayRole || role == Qt::EditRole || role == Qt::AccessibleTextRole ||
        role == Qt::ToolTipRole) {
        switch (index.column()) {
        case NameColumn:
            return n->name;
        case ValueColumn:
            return n->value;
        case TypeColumn:
            return n->type;
        }
    }
    if (role == Qt::ForegroundRole && index.column() == ValueColumn && !n->error.isEmpty())
        return QColor(0xc0, 0x1c, 0x28);
    if (role == Qt::FontRole && n->scope) {
        QFont font;
        font.setBold(true);
        return font;
    }
    return {};
}

bool VariablesModel::setData(const QModelIndex &index, const QVariant &value, int role) {
    if (role != Qt::EditRole || index.column() != ValueColumn || !m_session)
        return false;
    Node *n = nodeOf(index);
    if (n->container <= 0 || n->start >= 0)
        return false;
    const int generation = m_generation;
    m_session->setVariable(n->container, n->name, value.toString(),
                           [this, n, generation](const QJsonObject &body, const QString &error) {
                               if (generation != m_generation)
                                   return;
                               if (!error.isEmpty()) {
                                   emit message(tr("%1 was not changed: %2").arg(n->name, error));
                                   return;
                               }
                               n->value = body.value("value").toString(n->value);
                               if (body.contains("type"))
                                   n->type = body.value("type").toString();
                               const QModelIndex changed = indexOf(n, ValueColumn);
                               emit dataChanged(changed.siblingAtColumn(0),
                                                changed.siblingAtColumn(ColumnCount - 1));
                           });
    return true;
}

Qt::ItemFlags VariablesModel::flags(const QModelIndex &index) const {
    Qt::ItemFlags f = QAbstractItemModel::flags(index);
    const Node *n = nodeOf(index);
    if (index.column() == ValueColumn && n->container > 0 && n->start < 0)
        f |= Qt::ItemIsEditable;
    return f;
}

QVariant VariablesModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    static const char *titles[] = {"Name", "Value", "Type"};
    return section < ColumnCount ? tr(titles[section]) : QVariant();
}

} // namespace nimbus::studio
