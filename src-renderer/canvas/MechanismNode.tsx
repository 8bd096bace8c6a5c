/** A mechanism on the canvas: name, PsyNeuLink class, function, size, and one handle per port. */
import { memo } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { MechanismFlowNode } from '../store/derive.js';

function MechanismNodeView({ data, selected }: NodeProps<MechanismFlowNode>) {
  const { inputPorts, outputPorts } = data;
  return (
    <div className={`mechanism role-${data.role}${selected ? ' selected' : ''}`} data-node={data.name} aria-label={`${data.name}, ${data.mechanismType}`}>
      {inputPorts.map((port, i) => (
        <Handle key={port} id={`in:${port}`} type="target" position={Position.Left} style={{ top: `${((i + 1) * 100) / (inputPorts.length + 1)}%` }} title={port} />
      ))}
      <div className="mechanism-name">{data.name}</div>
      <div className="mechanism-type">{data.mechanismType}</div>
      <div className="mechanism-detail">
        {data.functionType ?? 'default function'}
        {data.size !== null ? ` · size ${data.size}` : ''}
      </div>
      {outputPorts.length > 1 && <div className="mechanism-ports">{outputPorts.join(' · ')}</div>}
      {outputPorts.map((port, i) => (
        <Handle key={port} id={`out:${port}`} type="source" position={Position.Right} style={{ top: `${((i + 1) * 100) / (outputPorts.length + 1)}%` }} title={port} />
      ))}
    </div>
  );
}

export const MechanismNode = memo(MechanismNodeView);
