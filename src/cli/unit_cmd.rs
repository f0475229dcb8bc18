//! `unit token issue|revoke UNIT`: the units API's tokens, one per unit, stored hashed.

use super::args::{UnitCommand, UnitTokenCommand};
use super::context::Context;
use super::{Failure, OK};
use crate::engine::{Command, Envelope};
use crate::units_api::{hash_token, new_token};

pub fn run(ctx: &Context, command: UnitCommand) -> Result<i32, Failure> {
    let UnitCommand::Token { command } = command;
    let mut desk = ctx.open_desk()?;
    match command {
        UnitTokenCommand::Issue { unit } => {
            let token = new_token();
            let command = Command::SetUnitToken { unit: unit.clone(), token_hash: Some(hash_token(&token)) };
            desk.execute(Envelope { actor: ctx.actor.clone(), command })?;
            // The only time the token is shown: the store keeps its hash.
            println!("{token}");
            eprintln!("token issued for unit {unit}; it is shown only this once");
        }
        UnitTokenCommand::Revoke { unit } => {
            let command = Command::SetUnitToken { unit: unit.clone(), token_hash: None };
            desk.execute(Envelope { actor: ctx.actor.clone(), command })?;
            println!("token of unit {unit} revoked");
        }
    }
    Ok(OK)
}
