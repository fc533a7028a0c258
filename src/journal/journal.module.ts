import { Module } from '@nestjs/common';
import { ReplicaAcks } from '../redis/replica-acks.js';
import { JournalController } from './journal.controller.js';
import { JournalService } from './journal.service.js';
import { JournalStore } from './journal.store.js';

@Module({
  controllers: [JournalController],
  providers: [JournalService, JournalStore, ReplicaAcks],
})
export class JournalModule {}
