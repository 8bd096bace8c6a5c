/** A mechanism on the canvas: name, PsyNeuLink class, function, size, its condition, one handle per port, and a badge when validation finds problems with it. */
import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import { useModelState, useRunState } from '../context.js';
import { describeCondition } from '../model/conditions.js';
import { isObject } from '../model/document.js';
import type { MechanismFlowNode } from '../store/derive.js';
import { issueNode, issuesOf } from '../store/run-store.js';

function MechanismNodeView({ data, selected }: NodeProps<MechanismFlowNode>) {
  const { inputPorts, outputPorts } = data;
  // a string, so the node re-renders only when its own messages change
  const problems = useRunState((s) => issuesOf(s).filter((i) => issueNode(i) === data.name).map((i) => `${i.path}: ${i.message}`).join('\n'));
  const count = problems ? problems.split('\n').length : 0;
  // the node's scheduling condition, as PsyNeuLink writes it (none: the default)
  const condition = useModelState((s) => {
    const c = (s.model as { conditions?: unknown }).conditions;
    return isObject(c) && c[data.name] !== undefined ? describeCondition(c[data.name]) : null;
  });
  return (
    <div className={`mechanism role-${data.role}${selected ? ' selected' : ''}`} data-node={data.name} aria-label={`${data.name}, ${data.mechanismType}${count ? `, ${count} problem(s)` : ''}`}>
      {inputPorts.map((port, i) => (
        <Handle key={port} id={`in:${port}`} type="target" position={Position.Left} style={{ top: `${((i + 1) * 100) / (inputPorts.length + 1)}%` }} title={port} />
      ))}
      {count > 0 && (
        <span className="node-badge" role="img" aria-label={`${count} problem(s)`} title={problems}>
          {count}
        </span>
      )}
      <div className="mechanism-name">{data.name}</div>
      <div className="mechanism-type">{data.mechanismType}</div>
      <div className="mechanism-detail">
        {data.functionType ?? 'default function'}
        {data.size !== null ? ` · size ${data.size}` : ''}
      </div>
      {condition && (
        <div className="mechanism-condition" title={`Runs when ${condition}`}>
          {condition}
        </div>
      )}
      {outputPorts.length > 1 && <div className="mechanism-ports">{outputPorts.join(' · ')}</div>}
      {outputPorts.map((port, i) => (
        <Handle key={port} id={`out:${port}`} type="source" position={Position.Right} style={{ top: `${((i + 1) * 100) / (outputPorts.length + 1)}%` }} title={port} />
      ))}
    </div>
  );
}

export const MechanismNode = memo(MechanismNodeView);
