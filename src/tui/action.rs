//! The one vocabulary of the console: every key of a keymap, every line of the `:` palette,
//! every row of the `?` help and every hint of the status bar names an `Action`.

use super::i18n::Lang;

/// Where the clerk is; a keymap binds keys per context (and `global` everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    /// The queue, the overdue list and any other list of tickets.
    List,
    Detail,
    /// A panel or form over the screen (dispatch, an action's form, the intake form).
    Panel,
    /// The statistics screen (its figures; the tickets behind one are a list again).
    Stats,
}

impl Context {
    pub const ALL: [Context; 5] =
        [Context::Global, Context::List, Context::Detail, Context::Panel, Context::Stats];
    pub fn code(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::List => "list",
            Context::Detail => "detail",
            Context::Panel => "panel",
            Context::Stats => "stats",
        }
    }
    pub fn parse(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.code() == s)
    }
}

macro_rules! actions {
    ($( $variant:ident = $name:literal, $zh:literal, $en:literal, $destructive:literal; )*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Action { $( $variant, )* }

        impl Action {
            pub const ALL: &'static [Action] = &[ $( Action::$variant, )* ];

            /// The name in keymaps and the palette.
            pub fn name(self) -> &'static str {
                match self { $( Action::$variant => $name, )* }
            }
            pub fn label(self, lang: Lang) -> &'static str {
                match (self, lang) {
                    $( (Action::$variant, Lang::Zh) => $zh, (Action::$variant, Lang::En) => $en, )*
                }
            }
            /// Changes a ticket in a way that is hard to take back: asks before it acts, and
            /// a keymap may not put it on a navigation key.
            pub fn destructive(self) -> bool {
                match self { $( Action::$variant => $destructive, )* }
            }
        }
    };
}

actions! {
    Quit = "quit", "退出", "Quit", false;
    Help = "help", "帮助", "Help", false;
    Palette = "palette", "命令面板", "Command palette", false;
    Redraw = "redraw", "重绘屏幕", "Redraw the screen", false;
    Back = "back", "返回/取消", "Back / cancel", false;
    Confirm = "confirm", "确认", "Confirm", false;
    MoveUp = "move_up", "上移", "Up", false;
    MoveDown = "move_down", "下移", "Down", false;
    PageUp = "page_up", "上一页", "Page up", false;
    PageDown = "page_down", "下一页", "Page down", false;
    GoTop = "go_top", "到顶部", "Top", false;
    GoBottom = "go_bottom", "到底部", "Bottom", false;
    FocusNext = "focus_next", "切换焦点", "Next pane", false;
    NextView = "next_view", "下一个视图", "Next view", false;
    PrevView = "prev_view", "上一个视图", "Previous view", false;
    Search = "search", "搜索", "Search", false;
    ClearSearch = "clear_search", "清除搜索", "Clear search", false;
    Open = "open", "打开工单", "Open ticket", false;
    TogglePreview = "toggle_preview", "预览开关", "Toggle preview", false;
    SortNext = "sort_next", "切换排序", "Next sort column", false;
    SortReverse = "sort_reverse", "倒序", "Reverse order", false;
    Mark = "mark", "标记", "Mark", false;
    MarkRange = "mark_range", "区间标记", "Mark range", false;
    ClearMarks = "clear_marks", "清除标记", "Clear marks", false;
    AssignToMe = "assign_to_me", "分给我", "Assign to me", false;
    Dispatch = "dispatch", "分拣派单", "Triage and dispatch", false;
    Actions = "actions", "工单操作", "Ticket actions", false;
    Overdue = "overdue", "临期超期", "Overdue list", false;
    GroupByUnit = "group_by_unit", "按单位分组", "Group by unit", false;
    Remind = "remind", "催办", "Remind the unit", false;
    Intake = "intake", "人工登记", "New ticket (intake)", false;
    CopyNumber = "copy_number", "复制编号", "Copy ticket number", false;
    Reveal = "reveal", "显示个人信息", "Reveal personal data", false;
    // The merchant watch list (a chief's).
    WatchMerchant = "watch_merchant", "关注此经营者", "Watch this merchant", false;
    Note = "note", "备注", "Add a note", false;
    Recall = "recall", "撤回", "Recall", true;
    Redispatch = "redispatch", "改派", "Redispatch", true;
    Refuse = "refuse", "不予受理", "Refuse", true;
    Split = "split", "分别处理", "Split", true;
    Merge = "merge", "合并重复", "Merge into a duplicate", true;
    Suspend = "suspend", "中止", "Suspend", true;
    Extend = "extend", "延期", "Extend a deadline", true;
    Health = "health", "渠道状态", "Channel health", false;
    Language = "language", "切换语言", "Switch language", false;
    // The statistics screen (issue 10).
    Stats = "stats", "统计分析", "Statistics", false;
    StatsPeriod = "stats_period", "切换统计周期", "Next period", false;
    StatsRange = "stats_range", "自定义时段", "Custom range", false;
    StatsScope = "stats_scope", "选择单位/镇街", "Unit or town", false;
}

impl Action {
    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }

    /// The lifecycle action (`TicketAction` name) an action stands for, where it is one.
    pub fn lifecycle(self) -> Option<&'static str> {
        Some(match self {
            Action::Recall => "recall",
            Action::Redispatch => "redispatch",
            Action::Refuse => "refuse",
            Action::Split => "split",
            Action::Merge => "merge",
            Action::Suspend => "suspend",
            Action::Extend => "extend",
            Action::Note => "note",
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_unique_name_and_both_labels() {
        let mut names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
        for a in Action::ALL {
            assert_eq!(Action::parse(a.name()), Some(*a));
            assert!(!a.label(Lang::Zh).is_empty() && !a.label(Lang::En).is_empty());
        }
    }
}
