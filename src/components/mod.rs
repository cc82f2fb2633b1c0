pub mod error_view;
pub mod infinite;
pub mod layout;
pub mod movie_card;
pub mod pager;
pub mod session;
pub mod table;
