/** Every Mechanism type of model-format version 1, by name. */
import { RecurrentTransferMechanism } from './RecurrentTransferMechanism.js';
import { ControlMechanism } from './ControlMechanism.js';
import { DDM } from './DDM.js';
import { IntegratorMechanism } from './IntegratorMechanism.js';
import { LCAMechanism } from './LCAMechanism.js';
import { ObjectiveMechanism } from './ObjectiveMechanism.js';
import { OptimizationControlMechanism } from './OptimizationControlMechanism.js';
import { ProcessingMechanism } from './ProcessingMechanism.js';
import { TransferMechanism } from './TransferMechanism.js';
import type { MechanismDeclaration } from './types.js';

export const MECHANISMS: Readonly<Record<string, MechanismDeclaration>> = Object.freeze({
  ProcessingMechanism,
  TransferMechanism,
  RecurrentTransferMechanism,
  IntegratorMechanism,
  ObjectiveMechanism,
  LCAMechanism,
  DDM,
  OptimizationControlMechanism,
  ControlMechanism,
});

export function mechanismDeclaration(type: unknown): MechanismDeclaration | undefined {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(MECHANISMS, type) ? MECHANISMS[type] : undefined;
}
