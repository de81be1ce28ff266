import { Entity, PrimaryGeneratedColumn, Column, PrimaryColumn, VersionColumn } from 'typeorm';
import type { RegCategory, RegStatus, OrganKind } from '@lfxj/contracts';
import { CreatedAt, UpdatedAt, Day } from '../../db/columns';

@Entity('legal_organ')
export class LegalOrgan {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 64, unique: true }) name: string;
  @Column({ type: 'varchar', length: 16 }) kind: OrganKind;
}

@Entity('regulation')
export class Regulation {
  @PrimaryGeneratedColumn() id: number;
  @Column({ type: 'varchar', length: 32, nullable: true, unique: true }) code: string | null;
  @Column({ type: 'varchar', length: 200 }) title: string;
  @Column({ type: 'varchar', length: 16 }) category: RegCategory;
  @Column({ name: 'doc_number', type: 'varchar', length: 100, nullable: true }) docNumber: string | null;
  @Day('issued_on') issuedOn: string | null;
  @Day('effective_on') effectiveOn: string | null;
  @Day('repealed_on') repealedOn: string | null;
  @Column({ type: 'varchar', length: 8 }) status: RegStatus;
  /** Enforcement domains, comma separated (a short closed list). */
  @Column({ type: 'varchar', length: 400, default: '' }) domains: string;
  @Column({ type: 'text', nullable: true }) summary: string | null;
  @Column({ name: 'full_text', type: 'text', nullable: true }) fullText: string | null;
  @Column({ type: 'boolean', default: false }) unverified: boolean;
  @Column({ type: 'varchar', length: 1000, nullable: true }) note: string | null;
  @VersionColumn() version: number;
  @CreatedAt() createdAt: Date;
  @UpdatedAt() updatedAt: Date;
}

@Entity('regulation_issuer')
export class RegulationIssuer {
  @PrimaryColumn({ name: 'regulation_id', type: 'int' }) regulationId: number;
  @PrimaryColumn({ name: 'organ_id', type: 'int' }) organId: number;
}

@Entity('regulation_article')
export class RegulationArticle {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: 'regulation_id', type: 'int' }) regulationId: number;
  @Column({ type: 'int' }) seq: number;
  @Column({ type: 'varchar', length: 32 }) label: string;
  @Column({ type: 'text' }) text: string;
}
